import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG, type AuditLog, type NewAuditEntry } from '#libs/audit';
import type { Principal } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import type { ErrorCode } from '#libs/errors';
import { callerOf } from '../auth/current-principal.decorator.js';

/** A change someone asked for: what the audit trail records, before its outcome is known. */
export type ChangeRequest = Omit<NewAuditEntry, 'outcome' | 'errorCode'>;

/**
 * Writes the audit trail for the admission chain, which decides what is a change. A failure to
 * record is logged, never turned into the caller's error.
 */
@Injectable()
export class ChangeAudit {
  private readonly logger = new Logger('Audit');
  /** Per caller: until when a budget refusal is already recorded (one per window, not one per try). */
  private readonly budgetRefusalRecordedUntil = new Map<string, number>();
  private readonly windowMs: number;

  constructor(
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    @Inject(STEVEDORE_CONFIG) config: StevedoreConfig,
  ) {
    this.windowMs = config.rateLimits.windowSeconds * 1000;
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

export function callerName(principal: Principal | undefined): string {
  return principal ? callerOf(principal) : 'anonymous';
}
