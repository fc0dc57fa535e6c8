/**
 * How a cancel is written down. One request (JobLifecycle.cancel) writes a mark into the job's
 * data and tells every process through one event on the queue's event stream; the job then
 * ends in BullMQ's failed state with a reason that says cancelled. Jobs cancelled by earlier
 * versions carry the same mark and reason, so they read the same.
 */

/** The mark in a job's data: kept with the job, read with it, gone with it. */
export interface CancelMark {
  readonly cancelRequested?: boolean;
}

export function isCancelRequested(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as CancelMark).cancelRequested === true;
}

export function withCancelMark<T extends object>(data: T): T & CancelMark {
  return { ...data, cancelRequested: true };
}

export function withoutCancelMark<T extends object>(data: T): Omit<T, 'cancelRequested'> {
  const { cancelRequested: _mark, ...rest } = data as T & CancelMark;
  return rest;
}

/**
 * Our event on the queue's event stream (QueueEventsProducer): a lifecycle operation changed a
 * job in a way BullMQ emits nothing for (updateData is silent). Workers abort the job on
 * `cancel-requested`; every api re-reads the job for its subscribers on either.
 */
export const LIFECYCLE_EVENT = 'stevedore-lifecycle';
export type LifecycleChange = 'cancel-requested' | 'retried';
export interface LifecycleEventArgs {
  readonly jobId: string;
  readonly change: LifecycleChange;
}

/** Cancellation is a state, not an error code of the contract: this starts its failed reason. */
const CANCELLED_PREFIX = 'CANCELLED: ';

export type CancelMoment = 'before it started' | 'while running';

/** The failed reason of a cancelled job. */
export function cancelledReason(moment: CancelMoment): string {
  return `${CANCELLED_PREFIX}cancelled ${moment}`;
}

export function isCancelledReason(reason: string | null | undefined): boolean {
  return typeof reason === 'string' && reason.startsWith(CANCELLED_PREFIX);
}
