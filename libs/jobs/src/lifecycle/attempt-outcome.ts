import { DomainError, type ErrorCode } from '#libs/errors';
import { JobFailure } from '../job-failure.js';

/** Why a worker aborts a job's AbortSignal. */
export const ABORT_REASONS = { cancelled: 'cancelled', shutdown: 'shutdown' } as const;

/** Errors of these codes may go away by themselves: the job is retried with backoff. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'DOCKER_UNAVAILABLE',
  'REGISTRY_UNREACHABLE',
  'QUEUE_UNAVAILABLE',
]);

/**
 * What an attempt whose handler threw comes to. `cancelled`: CANCELLED. `handed-back`: QUEUED
 * again at once, for another worker, without using an attempt (shutdown). `retryable`: QUEUED
 * again after a backoff while attempts remain, else FAILED. `failed`: FAILED now.
 */
export type AttemptOutcome =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'handed-back' }
  | { readonly kind: 'retryable'; readonly failure: JobFailure }
  | { readonly kind: 'failed'; readonly failure: JobFailure };

export function attemptOutcome(error: unknown, signal: AbortSignal): AttemptOutcome {
  // Whatever the handler threw once aborted is the abort's doing, not a failure of the work.
  if (signal.aborted && signal.reason === ABORT_REASONS.cancelled) return { kind: 'cancelled' };
  if (signal.aborted && signal.reason === ABORT_REASONS.shutdown) return { kind: 'handed-back' };
  const failure = asJobFailure(error);
  const retryable = failure.retryable ?? TRANSIENT_CODES.has(failure.code);
  return { kind: retryable ? 'retryable' : 'failed', failure };
}

function asJobFailure(error: unknown): JobFailure {
  if (error instanceof JobFailure) return error;
  if (error instanceof DomainError) return new JobFailure(error.code, error.message);
  return new JobFailure('INTERNAL', error instanceof Error ? error.message : String(error));
}
