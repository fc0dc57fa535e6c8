import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '#libs/audit';
import { AuditController } from './audit.controller.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditResolver } from './audit.resolver.js';

/** The audit trail: every change recorded by a global interceptor, read by admins. */
@Module({
  imports: [AuditModule],
  providers: [AuditResolver, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  controllers: [AuditController],
})
export class AuditApiModule {}
