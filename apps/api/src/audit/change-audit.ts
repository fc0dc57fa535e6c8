import { Inject, Injectable, Logger, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import { getArgumentValues, type FieldNode, type GraphQLSchema } from 'graphql';
import { AUDIT_LOG, auditArguments, type AuditLog, type NewAuditEntry } from '#libs/audit';
import type { Principal } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import type { ErrorCode } from '#libs/errors';
import { callerOf } from '../auth/current-principal.decorator.js';
import { responseKeyOf } from '../graphql/operation-budget.js';
import { isReadMethod } from '../http/read-methods.js';

const AUDIT_OPERATION = 'stevedore:audit-operation';

/** Names a REST route in the audit trail as its GraphQL twin, e.g. `pullImage`. */
export const AuditAs = (operation: string) => SetMetadata(AUDIT_OPERATION, operation);

/** A change someone asked for: what the audit trail records, before its outcome is known. */
export type ChangeRequest = Omit<NewAuditEntry, 'outcome' | 'errorCode'>;

type PrincipalCarrier = { principal?: Principal };

/**
 * The one place that says what a change is (GraphQL mutation or state-changing REST call), who
 * asked for it, and records how it ended, refusals included. A failure to record is logged,
 * never turned into the caller's error.
 */
@Injectable()
export class ChangeAudit {
  private readonly logger = new Logger('Audit');
  /** Per caller: until when a budget refusal is already recorded (one per window, not one per try). */
  private readonly budgetRefusalRecordedUntil = new Map<string, number>();
  private readonly windowMs: number;

  constructor(
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    private readonly reflector: Reflector,
    @Inject(STEVEDORE_CONFIG) config: StevedoreConfig,
  ) {
    this.windowMs = config.rateLimits.windowSeconds * 1000;
  }

  /** The change a resolver or REST handler makes; null for reads. */
  describe(context: ExecutionContext): ChangeRequest | null {
    const named = this.reflector.get<string | undefined>(AUDIT_OPERATION, context.getHandler());
    if (context.getType<GqlContextType>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      if (gql.getInfo().operation.operation !== 'mutation') return null;
      return {
        operation: named ?? gql.getInfo().fieldName,
        arguments: auditArguments(gql.getArgs()),
        caller: callerName(gql.getContext<{ req?: PrincipalCarrier }>().req?.principal),
      };
    }
    const request = context.switchToHttp().getRequest<Request & PrincipalCarrier>();
    return describeRequest(request, named ?? `${request.method} ${request.route?.path ?? request.path}`);
  }

  /** A REST request refused before routing (no handler known yet); null for reads. */
  describeRequest(request: Request & PrincipalCarrier): ChangeRequest | null {
    return describeRequest(request, `${request.method} ${request.path}`);
  }

  /**
   * A GraphQL mutation refused before execution: its root fields with their arguments resolved
   * as a resolver would see them (so secrets are found by their argument names, whatever the
   * client called its variables); fields whose variables do not fit are recorded without.
   */
  describeMutation(
    schema: GraphQLSchema,
    rootFields: readonly FieldNode[],
    variables: Record<string, unknown> | undefined,
    principal?: Principal,
  ): ChangeRequest {
    const fields = schema.getMutationType()?.getFields() ?? {};
    const args = Object.fromEntries(
      rootFields.map((node) => {
        const field = fields[node.name.value];
        let values: Record<string, unknown> = {};
        try {
          if (field) values = getArgumentValues(field, node, variables ?? {});
        } catch {
          // Variables of the wrong type: the refusal is recorded without them.
        }
        return [responseKeyOf(node), values];
      }),
    );
    const names = [...new Set(rootFields.map((node) => node.name.value))];
    return {
      operation: names.join(',').slice(0, 200) || 'mutation',
      arguments: auditArguments(
        names.length === 1 && rootFields.length === 1 ? Object.values(args)[0] : args,
      ),
      caller: callerName(principal),
    };
  }

  async record(change: ChangeRequest, errorCode: ErrorCode | null): Promise<void> {
    const entry: NewAuditEntry = { ...change, outcome: errorCode ? 'error' : 'ok', errorCode };
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

  /**
   * A change refused for the caller's budget. Recorded once per caller and window: a flood of
   * refused requests must not flood the capped trail and push real entries out of it.
   */
  async recordBudgetRefusal(change: ChangeRequest): Promise<void> {
    const now = Date.now();
    if ((this.budgetRefusalRecordedUntil.get(change.caller) ?? 0) > now) return;
    for (const [caller, until] of this.budgetRefusalRecordedUntil) {
      if (until <= now) this.budgetRefusalRecordedUntil.delete(caller);
    }
    this.budgetRefusalRecordedUntil.set(change.caller, now + this.windowMs);
    await this.record(change, 'RATE_LIMITED');
  }
}

function describeRequest(request: Request & PrincipalCarrier, operation: string): ChangeRequest | null {
  if (isReadMethod(request.method)) return null;
  return {
    operation,
    arguments: auditArguments({ ...request.params, ...(request.query as object), ...bodyOf(request) }),
    caller: callerName(request.principal),
  };
}

function callerName(principal: Principal | undefined): string {
  return principal ? callerOf(principal) : 'anonymous';
}

/** A JSON body's fields; uploads (streams) are not arguments. */
function bodyOf(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}
