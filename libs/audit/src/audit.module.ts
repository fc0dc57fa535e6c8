import { Module } from '@nestjs/common';
import { AUDIT_LOG } from './audit-log.port.js';
import { RedisAuditLog } from './redis-audit-log.adapter.js';

/** The audit trail. Needs ConfigModule (global). */
@Module({
  providers: [RedisAuditLog, { provide: AUDIT_LOG, useExisting: RedisAuditLog }],
  exports: [AUDIT_LOG],
})
export class AuditModule {}
