import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AUDIT_LOG, type AuditLog } from '#libs/audit';
import { AuditLogArgs } from './audit-log.args.js';
import { Serves } from '../operations/serves.decorator.js';
import { readAuditLog } from './audit.operations.js';
import { AuditConnection } from './audit-entry.model.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  @Get()
  @Serves(readAuditLog)
  @ApiOkResponse({ type: AuditConnection })
  async list(@Query() query: AuditLogArgs): Promise<AuditConnection> {
    const page = await this.audit.list(query);
    return {
      totalCount: page.totalCount,
      nodes: [...page.nodes] as AuditConnection['nodes'],
      pageInfo: { ...page.pageInfo },
    };
  }
}
