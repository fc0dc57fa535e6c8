import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { AUDIT_LOG, type AuditLog } from '#libs/audit';
import { Serves } from '../operations/serves.decorator.js';
import { readAuditLog } from './audit.operations.js';
import { AuditLogArgs } from './audit-log.args.js';
import { AuditConnection, AuditEntry } from './audit-entry.model.js';

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  @Query(() => AuditConnection, { description: readAuditLog.description })
  @Serves(readAuditLog)
  async auditLog(@Args() args: AuditLogArgs): Promise<AuditConnection> {
    const page = await this.audit.list(args);
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map((entry) => ({ ...entry, arguments: { ...entry.arguments } })),
      pageInfo: { ...page.pageInfo },
    };
  }
}
