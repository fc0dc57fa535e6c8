import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { AUDIT_LOG, type AuditLog } from '#libs/audit';
import { PageQuery } from '../common/page.args.js';
import { Serves } from '../operations/serves.decorator.js';
import { readAuditLog } from './audit.operations.js';
import { AuditConnection } from './audit-entry.model.js';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'removeImage' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  operation?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  @Get()
  @Serves(readAuditLog)
  @ApiOkResponse({ type: AuditConnection })
  async list(@Query() query: AuditQuery): Promise<AuditConnection> {
    const page = await this.audit.list({
      operation: query.operation,
      first: query.first ?? 50,
      after: query.after,
    });
    return {
      totalCount: page.totalCount,
      nodes: [...page.nodes] as AuditConnection['nodes'],
      pageInfo: { ...page.pageInfo },
    };
  }
}
