import {
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { AUDIT_LOG, withoutSecrets, type AuditLog, type NewAuditEntry } from '#libs/audit';
import type { Principal } from '#libs/auth';
import { DomainError } from '#libs/errors';
import { callerOf } from '../auth/current-principal.decorator.js';

const AUDIT_OPERATION = 'stevedore:audit-operation';

/** Names a REST route in the audit trail as its GraphQL twin, e.g. `pullImage`. */
export const AuditAs = (operation: string) => SetMetadata(AUDIT_OPERATION, operation);

/**
 * Records every change made through the service, GraphQL mutation or state-changing REST call,
 * after it finished: who (role and token fingerprint), what, with which arguments (secrets
 * removed), and how it ended. A failure to record is logged, never turned into the caller's error.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');

  constructor(
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const change = this.describe(context);
    if (!change) return next.handle();
    return next.handle().pipe(
      mergeMap((value) => from(this.record({ ...change, outcome: 'ok', errorCode: null }).then(() => value))),
      catchError((error: unknown) =>
        from(
          this.record({
            ...change,
            outcome: 'error',
            errorCode: error instanceof DomainError ? error.code : 'INTERNAL',
          }),
        ).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }

  private describe(context: ExecutionContext): Omit<NewAuditEntry, 'outcome' | 'errorCode'> | null {
    const named = this.reflector.get<string | undefined>(AUDIT_OPERATION, context.getHandler());
    if (context.getType<GqlContextType>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      if (gql.getInfo().operation.operation !== 'mutation') return null;
      const principal = gql.getContext<{ req?: { principal?: Principal } }>().req?.principal;
      return {
        operation: named ?? gql.getInfo().fieldName,
        arguments: withoutSecrets(gql.getArgs()) as Record<string, unknown>,
        caller: principal ? callerOf(principal) : 'anonymous',
      };
    }
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return null;
    return {
      operation: named ?? `${request.method} ${request.route?.path ?? request.path}`,
      arguments: withoutSecrets({
        ...request.params,
        ...(request.query as object),
        ...bodyOf(request),
      }) as Record<string, unknown>,
      caller: request.principal ? callerOf(request.principal) : 'anonymous',
    };
  }

  private async record(entry: NewAuditEntry): Promise<void> {
    // The log line carries the request id (the audit entry does not); arguments stay in the audit.
    this.logger.log({
      message: 'change',
      operation: entry.operation,
      caller: entry.caller,
      outcome: entry.outcome,
      errorCode: entry.errorCode,
    });
    try {
      await this.audit.record(entry);
    } catch (error) {
      this.logger.error({
        message: 'audit entry not recorded',
        operation: entry.operation,
        error: String(error),
      });
    }
  }
}

/** A JSON body's fields; uploads (streams) are not arguments. */
function bodyOf(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}
