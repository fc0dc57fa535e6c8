import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { QueueUnavailableError } from '#libs/errors';
import { readJob, toJobRecord, type BullJobFields } from './bull-job-record.js';
import { ImageQueueEvents } from './image-queue-events.js';
import { KIND_OF_JOB, type JobName, type JobPayloads } from './job-definitions.js';
import type { JobCensus, JobCountsByKind, JobQueue, JobSummary, QueueCounts } from './job-queue.port.js';
import type { JobRecord } from './job-record.js';
import { LIFECYCLE_EVENT } from './lifecycle/cancellation.js';
import { JobLifecycle } from './lifecycle/job-lifecycle.js';
import { JOB_STATES, type JobState } from './lifecycle/job-states.js';
import { publicStateOf } from './lifecycle/public-state.js';
import { QueueGuard } from './queue-guard.js';
import { IMAGE_QUEUE, JOB_KINDS, type JobKind } from './queue.constants.js';

/** Queue events that change what a client sees of a job: BullMQ's, and the lifecycle's own. */
const CHANGE_EVENTS = [
  'waiting',
  'active',
  'progress',
  'completed',
  'failed',
  'delayed',
  'removed',
  LIFECYCLE_EVENT,
] as const;
/**
 * Per BullMQ state, the fields of a job's hash that a summary needs: its kind (name), public
 * state (see publicStateOf), reference and creation time. Not its progress, result or trace.
 */
const SUMMARY_FIELDS = {
  waiting: ['name', 'data', 'timestamp'],
  prioritized: ['name', 'data', 'timestamp'],
  delayed: ['name', 'data', 'timestamp'],
  active: ['name', 'data', 'timestamp', 'progress'],
  completed: ['name', 'data', 'timestamp'],
  failed: ['name', 'data', 'timestamp', 'failedReason'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The JobQueue port on BullMQ: jobs in Redis, changes from the queue's event stream. What
 * happens to a job once queued (cancel, final states) is the JobLifecycle's.
 */
@Injectable()
export class BullJobQueue implements JobQueue, JobCensus, OnModuleDestroy {
  private readonly logger = new Logger(BullJobQueue.name);
  private readonly listeners = new Set<(record: JobRecord) => void>();
  /** Per job, the record fetches in event order, so a late fetch never overtakes a newer one. */
  private readonly fetches = new Map<string, Promise<unknown>>();
  private stopEvents: (() => void) | null = null;

  constructor(
    @InjectQueue(IMAGE_QUEUE) private readonly queue: Queue,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly guard: QueueGuard,
    private readonly events: ImageQueueEvents,
    private readonly lifecycle: JobLifecycle,
  ) {
    // The queue's connection reports each failed reconnection (Redis restarting, a failover):
    // one structured line per outage rather than BullMQ's console output for every attempt.
    let quietUntil = 0;
    this.queue.on('error', (error) => {
      if (Date.now() < quietUntil) return;
      quietUntil = Date.now() + 30_000;
      this.logger.warn({ message: 'queue connection error; reconnecting', error: String(error) });
    });
  }

  async add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: { deduplicationId?: string; jobId?: string } = {},
  ): Promise<JobRecord> {
    const jobId = options.jobId ?? randomUUID();
    const jobs = this.config.jobs;
    const jobOptions: JobsOptions = {
      jobId,
      attempts: jobs.attempts,
      backoff: { type: 'exponential', delay: jobs.backoffMs },
      removeOnComplete: { age: jobs.keepSeconds, count: jobs.keepCount },
      removeOnFail: { age: jobs.keepSeconds, count: jobs.keepCount },
      ...(options.deduplicationId ? { deduplication: { id: options.deduplicationId } } : {}),
    };
    const job = await this.guard.run(() => this.queue.add(name, payload, jobOptions));
    // A job of a given id may exist already (BullMQ then adds nothing): answered as it is.
    if (options.jobId) {
      const record = await this.get(jobId);
      if (!record) throw new QueueUnavailableError(`job ${jobId} vanished right after it was queued`);
      return record;
    }
    // A new job is answered as queued, even if a worker took it meanwhile.
    if (job.id === jobId) return toJobRecord(job as unknown as BullJobFields, 'waiting')!;
    // Deduplicated: BullMQ answers with the id of the job already queued or running.
    const record = await this.get(job.id ?? jobId);
    if (!record) throw new QueueUnavailableError(`job ${job.id ?? jobId} vanished right after it was queued`);
    return record;
  }

  async schedule<N extends JobName>(
    schedulerId: string,
    name: N,
    payload: JobPayloads[N],
    everyMs: number,
  ): Promise<void> {
    if (everyMs <= 0) {
      await this.guard.run(() => this.queue.removeJobScheduler(schedulerId));
      return;
    }
    const jobs = this.config.jobs;
    await this.guard.run(() =>
      this.queue.upsertJobScheduler(
        schedulerId,
        { every: everyMs },
        {
          name,
          data: payload,
          opts: {
            attempts: 1,
            removeOnComplete: { age: jobs.keepSeconds, count: jobs.keepCount },
            removeOnFail: { age: jobs.keepSeconds, count: jobs.keepCount },
          },
        },
      ),
    );
  }

  async get(id: string): Promise<JobRecord | null> {
    return (await this.guard.run(() => readJob(this.queue, id)))?.record ?? null;
  }

  async summaries(): Promise<JobSummary[]> {
    const client = await this.guard.run(() => this.queue.getBackend().client);
    const byState = await this.guard.run(() =>
      Promise.all(
        Object.entries(SUMMARY_FIELDS).map(async ([bullState, fields]) => {
          const ids = await this.queue.getRanges([bullState as keyof typeof SUMMARY_FIELDS], 0, -1);
          // Pipelined on one connection (none waits for the answer of another): not a round trip each.
          const rows = await Promise.all(ids.map((id) => client.hmget(this.queue.toKey(id), ...fields)));
          return rows.map((row, index) =>
            summaryOf(
              ids[index]!,
              bullState,
              Object.fromEntries(fields.map((field, at) => [field, row[at]])),
            ),
          );
        }),
      ),
    );
    // A job moving between states can be read in both: keep one.
    const seen = new Set<string>();
    return byState
      .flat()
      .filter(
        (summary): summary is JobSummary =>
          summary !== null && !seen.has(summary.id) && !!seen.add(summary.id),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    const read = await this.guard.run(() => Promise.all(ids.map((id) => readJob(this.queue, id))));
    return read.flatMap((job) => (job ? [job.record] : []));
  }

  cancel(id: string): Promise<JobRecord> {
    return this.lifecycle.cancel(id);
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.guard.run(() =>
      this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
    );
    return {
      waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
      active: counts['active'] ?? 0,
      delayed: counts['delayed'] ?? 0,
      completed: counts['completed'] ?? 0,
      failed: counts['failed'] ?? 0,
    };
  }

  async countsByKind(): Promise<JobCountsByKind> {
    const counts = Object.fromEntries(
      JOB_KINDS.map((kind) => [kind, Object.fromEntries(JOB_STATES.map((state) => [state, 0]))]),
    ) as Record<JobKind, Record<JobState, number>>;
    for (const { kind, state } of await this.summaries()) counts[kind][state] += 1;
    return counts;
  }

  onChange(listener: (record: JobRecord) => void): () => void {
    this.listeners.add(listener);
    this.startEvents();
    return () => this.listeners.delete(listener);
  }

  onModuleDestroy(): void {
    this.listeners.clear();
    this.stopEvents?.();
  }

  /** Events from now on only: clients get the current state from `get` first. */
  private startEvents(): void {
    if (this.stopEvents) return;
    const stops = CHANGE_EVENTS.map((event) =>
      this.events.on(event, (args) => this.onQueueEvent(args.jobId)),
    );
    this.stopEvents = () => stops.forEach((stop) => stop());
  }

  private onQueueEvent(jobId: string): void {
    const previous = this.fetches.get(jobId) ?? Promise.resolve();
    const next = previous
      .then(() => this.get(jobId))
      .then((record) => {
        if (!record) return;
        for (const listener of this.listeners) {
          try {
            listener(record);
          } catch (error) {
            this.logger.error({ message: 'job listener failed', error: String(error) });
          }
        }
      })
      .catch((error) => this.logger.warn({ message: 'job fetch failed', jobId, error: String(error) }))
      .finally(() => {
        if (this.fetches.get(jobId) === next) this.fetches.delete(jobId);
      });
    this.fetches.set(jobId, next);
  }
}

/** A summary from the fields of a job's hash; null for a job removed meanwhile, or not ours. */
function summaryOf(
  id: string,
  bullState: string,
  fields: Record<string, string | null | undefined>,
): JobSummary | null {
  const name = fields['name'];
  // A job removed between the two reads has no name any more.
  if (!name || !Object.hasOwn(KIND_OF_JOB, name)) return null;
  const data = (parseJson(fields['data']) as { ref?: unknown } | null) ?? {};
  const state = publicStateOf(
    { data, progress: parseJson(fields['progress']), failedReason: fields['failedReason'] ?? undefined },
    bullState,
  );
  if (!state) return null;
  return {
    id,
    kind: KIND_OF_JOB[name as JobName],
    state,
    ref: typeof data.ref === 'string' ? data.ref : '',
    createdAt: new Date(Number(fields['timestamp'] ?? 0)),
  };
}

/** A JSON field of a job's hash; null when absent or not JSON. */
function parseJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
