import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '#libs/audit';
import { AuditController } from './audit.controller.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditResolver } from './audit.resolver.js';
import { ChangeAudit } from './change-audit.js';

/**
 * The audit trail: every change recorded by a global interceptor, read by admins. Global, so
 * that the guard and the budgets, which refuse changes before any handler runs, record them too.
 */
@Global()
@Module({
  imports: [AuditModule],
  providers: [ChangeAudit, AuditResolver, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  controllers: [AuditController],
  exports: [ChangeAudit],
})
export class AuditApiModule {}
