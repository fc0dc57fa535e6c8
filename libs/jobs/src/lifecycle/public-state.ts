import { isCancelRequested, isCancelledReason } from './cancellation.js';
import type { JobState } from './job-states.js';

/** What a job's public state depends on besides its BullMQ state. */
export interface JobStateFields {
  readonly data: unknown;
  readonly progress: unknown;
  readonly failedReason?: string | null;
}

/** The public state of a job in a BullMQ state; null for a job that no longer exists. */
export function publicStateOf(job: JobStateFields, bullState: string): JobState | null {
  switch (bullState) {
    case 'completed':
      return 'COMPLETED';
    case 'failed':
      return isCancelledReason(job.failedReason) ? 'CANCELLED' : 'FAILED';
    case 'active':
      // A cancelled job a worker just picked up is ended at once, never run.
      return isCancelRequested(job.data) && !job.progress ? 'CANCELLED' : 'ACTIVE';
    case 'waiting':
    case 'wait':
    case 'delayed':
    case 'prioritized':
    case 'paused':
    case 'waiting-children':
      // A cancelled job stays queued until a worker picks it up and ends it without running it.
      return isCancelRequested(job.data) ? 'CANCELLED' : 'QUEUED';
    default:
      return null;
  }
}

/** BullMQ's final states: a job in one of them has its finishedOn. */
export function isFinalBullState(bullState: string): boolean {
  return bullState === 'completed' || bullState === 'failed';
}
