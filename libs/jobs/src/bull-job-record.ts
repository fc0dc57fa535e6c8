import type { Job, Queue } from 'bullmq';
import { fanOutChildPublicId, fanOutPlanOf } from './fan-out/fan-out.js';
import { parseFailedReason } from './job-failure.js';
import {
  KIND_OF_JOB,
  NO_PROGRESS,
  type ImageJobPayload,
  type ImageJobResult,
  type JobName,
  type JobProgressRecord,
} from './job-definitions.js';
import type { JobRecord } from './job-record.js';
import type { JobState } from './lifecycle/job-states.js';
import { isFinalBullState, publicStateOf } from './lifecycle/public-state.js';

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

/** BullMQ's view (`getState()`) to the public one; null when the job no longer exists. */
export function toJobRecord(job: BullJobFields, bullState: string): JobRecord | null {
  const state = publicStateOf(job, bullState);
  if (state === null || !(job.name in KIND_OF_JOB)) return null;
  const failure = state === 'FAILED' ? parseFailedReason(job.failedReason) : null;
  const result = (job.returnvalue ?? null) as ImageJobResult | null;
  const progress = progressOf(job.progress, job.attemptsStarted ?? 0, state);
  const plan = fanOutPlanOf(job.data);
  return {
    id: job.id!,
    kind: KIND_OF_JOB[job.name as JobName],
    ref: job.data.ref,
    state,
    attempts: job.attemptsStarted ?? 0,
    progress: state === 'COMPLETED' ? { ...progress, percent: 100 } : progress,
    error: failure,
    imageId: result?.imageId ?? null,
    digest: result?.digest ?? null,
    createdAt: new Date(job.timestamp),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn && isFinalBullState(bullState) ? new Date(job.finishedOn) : null,
    ...(result?.removal ? { removal: result.removal } : {}),
    ...(result?.loaded ? { loaded: result.loaded } : {}),
    ...(plan ? { children: plan.hosts.map((host) => fanOutChildPublicId(job.id!, host)) } : {}),
  };
}

/** A job read from the queue: BullMQ's job, its BullMQ state, and its record; null when gone. */
export interface ReadJob {
  readonly job: Job;
  readonly bullState: string;
  readonly record: JobRecord;
}

/**
 * Reads a job and its state. State first: a job read before its state could be finished without
 * its result in hand.
 */
export async function readJob(queue: Queue, id: string): Promise<ReadJob | null> {
  const bullState = await queue.getJobState(id);
  const job = await queue.getJob(id);
  const record = job ? toJobRecord(job as unknown as BullJobFields, bullState) : null;
  return job && record ? { job, bullState, record } : null;
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
