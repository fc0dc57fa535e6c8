import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_LOG, type AuditLog } from '#libs/audit';
import { RequiresRole } from '#libs/auth';
import { MAX_PAGE_SIZE } from '#libs/catalogue';
import { ApiProblemResponses } from '../errors/api-problem-responses.decorator.js';
import { AuditConnection } from './audit-entry.model.js';

export class AuditQuery {
  @ApiPropertyOptional({ example: 'removeImage' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  operation?: string;

  @ApiPropertyOptional({ default: 50, minimum: 0, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  after?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  @Get()
  @RequiresRole('admin')
  @ApiOperation({ summary: 'Every change made through the service, newest first (admin role)' })
  @ApiOkResponse({ type: AuditConnection })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'QUEUE_UNAVAILABLE')
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
