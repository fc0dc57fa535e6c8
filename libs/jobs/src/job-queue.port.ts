import type { FanOutJobName, FanOutPlan } from './fan-out/fan-out.js';
import type { JobName, JobPayloads } from './job-definitions.js';
import type { JobRecord } from './job-record.js';
import type { JobState } from './lifecycle/job-states.js';
import type { JobKind } from './queue.constants.js';

/** Jobs by state, for health details and metrics. */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
}

/** What a listing filters and orders on: a few small fields of a job, not its progress or result. */
export interface JobSummary {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly ref: string;
  readonly createdAt: Date;
}

/**
 * The image queue as the api needs it. Services depend on this port, never on BullMQ, so their
 * logic can be tested with a fake of it and the adapter against a real Redis.
 */
export interface JobQueue {
  /**
   * Queues a job. With a deduplication id, while a job with the same id is queued or running,
   * that job is returned instead and nothing is added.
   */
  add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options?: {
      deduplicationId?: string;
      /** The host whose queue takes it (its agent runs it); default this process's own. */
      host?: string;
      /** The job's id in its queue; where a job of this id exists, that job is answered. */
      jobId?: string;
    },
  ): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  /**
   * Queues a job of this name every `everyMs` (a job scheduler: one per id, however many
   * processes ask), or stops doing so when `everyMs` is 0.
   */
  schedule<N extends JobName>(
    schedulerId: string,
    name: N,
    payload: JobPayloads[N],
    everyMs: number,
  ): Promise<void>;
  /**
   * Every job the queue still keeps (JOB_KEEP_SECONDS, JOB_KEEP_COUNT), newest first, as
   * summaries: a listing filters and pages these, then reads whole jobs for its page only.
   */
  summaries(host?: string): Promise<JobSummary[]>;
  /** Whole records of these jobs, in this order; a job gone meanwhile is left out. */
  getMany(ids: readonly string[]): Promise<JobRecord[]>;
  /**
   * Cancels a queued job (it will never run) or aborts an active one, and answers the job once
   * the cancellation took effect. Rejects with JOB_NOT_FOUND or JOB_NOT_CANCELLABLE.
   */
  cancel(id: string): Promise<JobRecord>;
  counts(): Promise<QueueCounts>;
  /** Calls `listener` with the job after each change of state or progress, from any process. */
  onChange(listener: (record: JobRecord) => void): () => void;
}

export const JOB_QUEUE = Symbol('JobQueue');

/** Jobs the queue keeps, by kind and public state (QUEUED, ACTIVE, COMPLETED, …). */
export type JobCountsByKind = Readonly<Record<JobKind, Readonly<Record<JobState, number>>>>;

/**
 * Read-only statistics of the queue, for metrics. Apart from JobQueue, so that services (and
 * their fakes of the queue) need not know of it.
 */
export interface JobCensus {
  /** Counts finished jobs only as far as the queue still keeps them (JOB_KEEP_SECONDS, JOB_KEEP_COUNT). */
  countsByKind(): Promise<JobCountsByKind>;
}

export const JOB_CENSUS = Symbol('JobCensus');

/** Queues the parent of a fan-out (see fan-out.ts): one change over several hosts. */
export interface FanOutQueue {
  addFanOut<N extends FanOutJobName>(name: N, payload: JobPayloads[N], plan: FanOutPlan): Promise<JobRecord>;
}

export const FAN_OUT_QUEUE = Symbol('FanOutQueue');
