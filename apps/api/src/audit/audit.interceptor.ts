import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { DomainError } from '#libs/errors';
import { ChangeAudit } from './change-audit.js';

export { AuditAs } from './change-audit.js';

/**
 * Records every change made through the service, GraphQL mutation or state-changing REST call,
 * after it finished: who, what, with which arguments (secrets removed, size bounded), and how
 * it ended. Refusals before a handler runs are recorded where they are decided.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly changes: ChangeAudit) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const change = this.changes.describe(context);
    if (!change) return next.handle();
    return next.handle().pipe(
      mergeMap((value) => from(this.changes.record(change, null).then(() => value))),
      catchError((error: unknown) =>
        from(this.changes.record(change, error instanceof DomainError ? error.code : 'INTERNAL')).pipe(
          mergeMap(() => throwError(() => error)),
        ),
      ),
    );
  }
}
