import { CANCELLED_MARK, parseFailedReason } from './job-failure.js';
import {
  KIND_OF_JOB,
  NO_PROGRESS,
  type ImageJobPayload,
  type ImageJobResult,
  type JobName,
  type JobProgressRecord,
} from './job-definitions.js';
import type { JobRecord, JobState } from './job-record.js';

/** The parts of a BullMQ job that make a JobRecord. */
export interface BullJobFields {
  readonly id?: string;
  readonly name: string;
  readonly data: ImageJobPayload;
  readonly progress: unknown;
  readonly returnvalue: unknown;
  readonly failedReason?: string;
  readonly attemptsStarted?: number;
  readonly timestamp: number;
  readonly processedOn?: number;
  readonly finishedOn?: number;
}

/** What a job's public state depends on besides its BullMQ state. */
export interface JobStateFields {
  readonly data: { readonly cancelRequested?: boolean };
  readonly progress: unknown;
  readonly failedReason?: string;
}

/** BullMQ's view (`getState()`) to the public one; null when the job no longer exists. */
export function toJobRecord(job: BullJobFields, bullState: string): JobRecord | null {
  const state = publicStateOf(job, bullState);
  if (state === null || !(job.name in KIND_OF_JOB)) return null;
  const failure = state === 'FAILED' ? parseFailedReason(job.failedReason) : null;
  const result = (job.returnvalue ?? null) as ImageJobResult | null;
  const progress = progressOf(job.progress, job.attemptsStarted ?? 0, state);
  return {
    id: job.id!,
    kind: KIND_OF_JOB[job.name as JobName],
    ref: job.data.ref,
    state,
    attempts: job.attemptsStarted ?? 0,
    progress: state === 'COMPLETED' ? { ...progress, percent: 100 } : progress,
    error:
      failure && failure.code !== CANCELLED_MARK ? { code: failure.code, message: failure.message } : null,
    imageId: result?.imageId ?? null,
    digest: result?.digest ?? null,
    createdAt: new Date(job.timestamp),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn && isFinalBullState(bullState) ? new Date(job.finishedOn) : null,
  };
}

/** The public state of a job in a BullMQ state; null for a job that no longer exists. */
export function publicStateOf(job: JobStateFields, bullState: string): JobState | null {
  switch (bullState) {
    case 'completed':
      return 'COMPLETED';
    case 'failed':
      return parseFailedReason(job.failedReason).code === CANCELLED_MARK ? 'CANCELLED' : 'FAILED';
    case 'active':
      // A cancelled job a worker just picked up is ended at once, never run.
      return job.data.cancelRequested && !job.progress ? 'CANCELLED' : 'ACTIVE';
    case 'waiting':
    case 'wait':
    case 'delayed':
    case 'prioritized':
    case 'paused':
    case 'waiting-children':
      // A cancelled job stays queued until a worker picks it up and ends it without running it.
      return job.data.cancelRequested ? 'CANCELLED' : 'QUEUED';
    default:
      return null;
  }
}

function isFinalBullState(bullState: string): boolean {
  return bullState === 'completed' || bullState === 'failed';
}

/**
 * The stored progress, when it belongs to the attempt running now: a new attempt starts from
 * nothing, not from where the previous one stopped (percent is monotone within an attempt).
 */
function progressOf(value: unknown, attempt: number, state: JobState): JobProgressRecord {
  if (value && typeof value === 'object' && 'percent' in value && 'layers' in value) {
    const progress = { ...NO_PROGRESS, ...(value as Partial<JobProgressRecord>) };
    if (progress.attempt === attempt || state !== 'ACTIVE') return progress;
  }
  return { ...NO_PROGRESS, attempt };
}
