import { Global, Module } from '@nestjs/common';
import { AuditModule } from '#libs/audit';
import { AuditController } from './audit.controller.js';
import { AuditResolver } from './audit.resolver.js';
import { ChangeAudit } from './change-audit.js';

/** The audit trail: written by the admission chain for every change, read by admins. */
@Global()
@Module({
  imports: [AuditModule],
  providers: [ChangeAudit, AuditResolver],
  controllers: [AuditController],
  exports: [ChangeAudit],
})
export class AuditApiModule {}
