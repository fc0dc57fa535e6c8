import { Inject, Injectable } from '@nestjs/common';
import { auditArguments } from '#libs/audit';
import { roleAllows, type Principal } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DomainError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '#libs/errors';
import { REQUEST_QUOTA, type QuotaKind, type RequestQuota } from '#libs/rate-limit';
import { ChangeAudit, callerName } from '../audit/change-audit.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { requiredRole, type Operation } from './operation.js';

/** One call of an operation as a transport sees it: who (if anyone authenticated) and with what. */
export interface OperationCall {
  readonly principal: Principal | undefined;
  /** The arguments as the handler gets them; read only when the audit trail needs them. */
  readonly arguments: () => unknown;
}

/** Several operations sent as one request (a GraphQL document's root fields), or one. */
export interface BatchCall {
  readonly principal: Principal | undefined;
  readonly operations: readonly Operation[];
  /** Per response key, for the audit of a refused batch of changes. */
  readonly arguments: () => unknown;
}

/**
 * The one admission chain of every transport: authenticate → authorise → budget before an
 * operation runs, audit → metrics after. Every decision comes from the operation's declaration;
 * transports only say which operation, who called, and with what. Refused changes are audited.
 *
 * GraphQL admits in two places because one document holds several operations: the budget for
 * the whole document before it executes (`budget`), each root field's role as it runs (`admit`
 * with `budgeted`); REST calls `admit` for both.
 */
@Injectable()
export class AdmissionChain {
  constructor(
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    @Inject(REQUEST_QUOTA) private readonly quota: RequestQuota,
    private readonly audit: ChangeAudit,
    private readonly metrics: RequestMetrics,
  ) {}

  /** Authenticate and authorise, then (unless the transport already did) count the budget. */
  async admit(
    operation: Operation,
    call: OperationCall,
    options: { budgeted?: boolean } = {},
  ): Promise<Principal> {
    try {
      const principal = this.authenticate(call.principal);
      this.authorise(operation, principal);
      if (!options.budgeted) {
        await this.budget({ principal, operations: [operation], arguments: call.arguments });
      }
      return principal;
    } catch (error) {
      this.count(operation, error);
      // Budget refusals are audited by `budget` (once per window); a caller without a token is
      // not: anyone could push real entries out of the capped trail.
      if (operation.effect === 'change' && error instanceof ForbiddenError) {
        await this.audit.record(this.changeOf(operation, call), codeOf(error));
      }
      throw error;
    }
  }

  /**
   * Counts a request against its caller's budget: a read once, changes once each (two aliased
   * `pullImage` fields queue two jobs). A refused change is audited once per caller and window.
   */
  async budget(call: BatchCall): Promise<void> {
    const principal = this.authenticate(call.principal);
    const changes = call.operations.filter((operation) => operation.effect === 'change');
    const kind: QuotaKind = changes.length > 0 ? 'mutation' : 'query';
    const decision = await this.quota.consume(principal.fingerprint, kind, Math.max(1, changes.length));
    if (decision.allowed) return;
    if (changes.length > 0) {
      await this.audit.recordBudgetRefusal({
        operation: [...new Set(changes.map((operation) => operation.name))].join(',').slice(0, 200),
        arguments: auditArguments(call.arguments()),
        caller: callerName(principal),
      });
    }
    throw new RateLimitedError(decision.retryAfterSeconds, kind === 'query' ? 'reads' : 'changes');
  }

  /** After the operation: a change's outcome goes to the audit trail, every outcome to metrics. */
  async settle(operation: Operation, call: OperationCall, error?: unknown): Promise<void> {
    this.count(operation, error);
    if (operation.effect === 'change') {
      await this.audit.record(this.changeOf(operation, call), error === undefined ? null : codeOf(error));
    }
  }

  private authenticate(principal: Principal | undefined): Principal {
    if (!principal) throw new UnauthenticatedError();
    return principal;
  }

  private authorise(operation: Operation, principal: Principal): void {
    const required = requiredRole(operation, this.config);
    if (!roleAllows(principal.role, required)) throw new ForbiddenError(required, principal.role);
  }

  private count(operation: Operation, error: unknown): void {
    this.metrics.operations.inc({
      operation: operation.name,
      outcome: error === undefined ? 'ok' : codeOf(error),
    });
  }

  private changeOf(operation: Operation, call: OperationCall) {
    return {
      operation: operation.name,
      arguments: auditArguments(call.arguments()),
      caller: callerName(call.principal),
    };
  }
}

function codeOf(error: unknown) {
  return error instanceof DomainError ? error.code : 'INTERNAL';
}
