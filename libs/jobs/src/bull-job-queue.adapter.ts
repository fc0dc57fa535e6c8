import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents, QueueEventsProducer, type JobsOptions, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DomainError, JobNotCancellableError, JobNotFoundError, QueueUnavailableError } from '#libs/errors';
import { publicStateOf, toJobRecord, type BullJobFields } from './bull-job-record.js';
import { KIND_OF_JOB, type JobName, type JobPayloads } from './job-definitions.js';
import type { JobCensus, JobCountsByKind, JobQueue, JobSummary, QueueCounts } from './job-queue.port.js';
import { isFinal, JOB_STATES, type JobRecord, type JobState } from './job-record.js';
import { CANCEL_CHANNEL, IMAGE_QUEUE, JOB_KINDS, type JobKind } from './queue.constants.js';
import { bullConnection } from './redis-connection.js';
import { RedisProbe } from './redis-probe.js';

/**
 * Our own event on the queue's event stream: a queued job was cancelled. BullMQ's updateData
 * emits nothing, and every api replica's subscribers must hear of it.
 */
const CANCELLED_EVENT = 'stevedore-cancelled';
/** Queue events that change what a client sees of a job. */
const CHANGE_EVENTS = [
  'waiting',
  'active',
  'progress',
  'completed',
  'failed',
  'delayed',
  'removed',
  CANCELLED_EVENT,
] as const;
/** How long cancel waits for a worker to abort an active job before answering. */
const CANCEL_WAIT_MS = 10_000;
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

/** Longest wait for Redis on behalf of a caller before QUEUE_UNAVAILABLE. */
const REDIS_ANSWER_MS = 5_000;

/** The JobQueue port on BullMQ: jobs in Redis, changes from QueueEvents, cancellation over pub/sub. */
@Injectable()
export class BullJobQueue implements JobQueue, JobCensus, OnModuleDestroy {
  private readonly logger = new Logger(BullJobQueue.name);
  private readonly listeners = new Set<(record: JobRecord) => void>();
  /** Per job, the record fetches in event order, so a late fetch never overtakes a newer one. */
  private readonly fetches = new Map<string, Promise<unknown>>();
  private events: QueueEvents | null = null;
  private publisher: Redis | null = null;
  private eventsProducer: QueueEventsProducer | null = null;

  constructor(
    @InjectQueue(IMAGE_QUEUE) private readonly queue: Queue,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly redis: RedisProbe,
  ) {}

  async add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: { deduplicationId?: string } = {},
  ): Promise<JobRecord> {
    const jobId = randomUUID();
    const jobs = this.config.jobs;
    const jobOptions: JobsOptions = {
      jobId,
      attempts: jobs.attempts,
      backoff: { type: 'exponential', delay: jobs.backoffMs },
      removeOnComplete: { age: jobs.keepSeconds, count: jobs.keepCount },
      removeOnFail: { age: jobs.keepSeconds, count: jobs.keepCount },
      ...(options.deduplicationId ? { deduplication: { id: options.deduplicationId } } : {}),
    };
    const job = await this.guard(() => this.queue.add(name, payload, jobOptions));
    // A new job is answered as queued, even if a worker took it meanwhile.
    if (job.id === jobId) return toJobRecord(job as unknown as BullJobFields, 'waiting')!;
    // Deduplicated: BullMQ answers with the id of the job already queued or running.
    const record = await this.get(job.id ?? jobId);
    if (!record) throw new QueueUnavailableError(`job ${job.id ?? jobId} vanished right after it was queued`);
    return record;
  }

  async get(id: string): Promise<JobRecord | null> {
    // State first: a job read before its state could be finished without its result in hand.
    const state = await this.guard(() => this.queue.getJobState(id));
    const job = await this.guard(() => this.queue.getJob(id));
    if (!job) return null;
    return toJobRecord(job as unknown as BullJobFields, state);
  }

  async summaries(): Promise<JobSummary[]> {
    const client = await this.guard(() => this.queue.getBackend().client);
    const byState = await this.guard(() =>
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
    const records = await this.guard(() =>
      Promise.all(
        ids.map(async (id) => {
          // State first, as in get().
          const state = await this.queue.getJobState(id);
          const job = await this.queue.getJob(id);
          return job ? toJobRecord(job as unknown as BullJobFields, state) : null;
        }),
      ),
    );
    return records.filter((record): record is JobRecord => record !== null);
  }

  async cancel(id: string): Promise<JobRecord> {
    const state = await this.guard(() => this.queue.getJobState(id));
    const job = await this.guard(() => this.queue.getJob(id));
    if (!job) throw new JobNotFoundError(id);
    const record = toJobRecord(job as unknown as BullJobFields, state);
    if (!record) throw new JobNotFoundError(id);
    if (isFinal(record)) throw new JobNotCancellableError(id, record.state);
    await this.guard(async () => {
      await job.updateData({ ...(job.data as object), cancelRequested: true } as never);
      // A later identical request must queue new work, not join the cancelled job.
      await job.removeDeduplicationKey();
      if (state === 'delayed') await job.promote().catch(() => undefined);
    });
    if (state !== 'active') {
      await this.guard(() => this.producer().publishEvent({ eventName: CANCELLED_EVENT, jobId: id }));
      return (await this.get(id)) ?? record;
    }
    await this.guard(() => this.publisherClient().publish(CANCEL_CHANNEL, id));
    return this.waitUntilSettled(id);
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.guard(() =>
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

  async onModuleDestroy(): Promise<void> {
    this.listeners.clear();
    await this.events?.close().catch(() => undefined);
    await this.eventsProducer?.close().catch(() => undefined);
    this.publisher?.disconnect();
  }

  /** QueueEvents reads new events only: clients get the current state from `get` first. */
  private startEvents(): void {
    if (this.events) return;
    this.events = new QueueEvents(IMAGE_QUEUE, { connection: bullConnection(this.config.redis.url) });
    this.events.on('error', (error) =>
      this.logger.warn({ message: 'queue events error', error: String(error) }),
    );
    // Custom events (ours) are emitted under their own name, which BullMQ's listener types do not know.
    const on = this.events.on.bind(this.events) as (
      event: string,
      listener: (args: { jobId: string }) => void,
    ) => void;
    for (const event of CHANGE_EVENTS) on(event, (args) => this.onQueueEvent(args.jobId));
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

  private async waitUntilSettled(id: string): Promise<JobRecord> {
    const deadline = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const record = await this.get(id);
      if (!record) throw new JobNotFoundError(id);
      if (isFinal(record) || Date.now() >= deadline) return record;
      await sleep(50);
    }
  }

  private producer(): QueueEventsProducer {
    this.eventsProducer ??= new QueueEventsProducer(IMAGE_QUEUE, {
      connection: bullConnection(this.config.redis.url),
    });
    return this.eventsProducer;
  }

  private publisherClient(): Redis {
    if (!this.publisher) {
      this.publisher = new Redis(this.config.redis.url, { maxRetriesPerRequest: 1 });
      this.publisher.on('error', () => undefined);
    }
    return this.publisher;
  }

  /**
   * Redis errors become QUEUE_UNAVAILABLE; domain errors pass through. BullMQ's connection
   * queues commands while Redis is down and would wait for it forever, so a ping on the probe's
   * fail-fast connection answers first (no command is left queued to run later, such as a job
   * the caller was told was not queued; the connection's state alone lags a Redis just gone),
   * and a bound covers Redis going away between the two.
   */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    await this.redis.ping();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_ANSWER_MS} ms`)), REDIS_ANSWER_MS);
    });
    try {
      return await Promise.race([operation(), bound]);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
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
  const data = (parseJson(fields['data']) as { ref?: unknown; cancelRequested?: boolean } | null) ?? {};
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
