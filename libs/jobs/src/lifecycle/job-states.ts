import { JobNotCancellableError } from '#libs/errors';
import { JobNotRetryableError } from './job-not-retryable.error.js';

/** The states of a job as clients see them (the contract's JobState). */
export const JOB_STATES = ['QUEUED', 'ACTIVE', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * What moves a job. `requeue`: an attempt failed and another one is due, a shutting-down worker
 * handed the job back, or its worker died (stalled). `cancel` and `retry` are asked for by
 * clients; BullMQ and the worker make the others.
 */
export const JOB_TRANSITIONS = ['start', 'complete', 'fail', 'requeue', 'cancel', 'retry'] as const;
export type JobTransition = (typeof JOB_TRANSITIONS)[number];

/** The state machine: the only legal moves, and where each leads. */
const MOVES: { readonly [S in JobState]: Partial<Record<JobTransition, JobState>> } = {
  QUEUED: { start: 'ACTIVE', cancel: 'CANCELLED' },
  ACTIVE: { complete: 'COMPLETED', fail: 'FAILED', requeue: 'QUEUED', cancel: 'CANCELLED' },
  COMPLETED: {},
  FAILED: { retry: 'QUEUED' },
  CANCELLED: { retry: 'QUEUED' },
};

export function isFinal(record: { readonly state: JobState }): boolean {
  return FINAL_JOB_STATES.has(record.state);
}

/** The state `transition` leads to from `state`; null when it is not a legal move. */
export function nextState(state: JobState, transition: JobTransition): JobState | null {
  return MOVES[state][transition] ?? null;
}

/** Refuses (JOB_NOT_CANCELLABLE) to cancel a job that already reached a final state. */
export function requireCancellable(jobId: string, state: JobState): void {
  if (nextState(state, 'cancel') === null) throw new JobNotCancellableError(jobId, state);
}

/**
 * Refuses to retry a job that is not failed or cancelled, or one whose artifact went with its
 * final state (an import's archive): run again, it could only fail.
 */
export function requireRetryable(jobId: string, state: JobState, options: { holdsArtifact: boolean }): void {
  if (nextState(state, 'retry') === null) throw new JobNotRetryableError(jobId, state);
  if (options.holdsArtifact) throw new JobNotRetryableError(jobId, state, 'its artifact is gone');
}
