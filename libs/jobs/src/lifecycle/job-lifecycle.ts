import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Job, QueueEventsProducer, type Queue } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { JobNotFoundError } from '#libs/errors';
import { readJob, type ReadJob } from '../bull-job-record.js';
import { ImageQueueEvents } from '../image-queue-events.js';
import { ImportArchives } from '../import-archives.js';
import { artifactOf, NO_PROGRESS, type JobArtifact } from '../job-definitions.js';
import type { JobRecord } from '../job-record.js';
import { QueueGuard } from '../queue-guard.js';
import { IMAGE_QUEUE } from '../queue.constants.js';
import { bullConnection } from '../redis-connection.js';
import {
  isCancelRequested,
  LIFECYCLE_EVENT,
  withCancelMark,
  withoutCancelMark,
  type LifecycleChange,
  type LifecycleEventArgs,
} from './cancellation.js';
import { isFinal, requireCancellable, requireRetryable } from './job-states.js';

/** How long cancel waits for a worker to abort an active job before answering. */
const CANCEL_WAIT_MS = 10_000;

/**
 * The one owner of a job's life after it was queued: cancel, retry, and what happens once it
 * reached a final state. Runs in the api (cancel, retry, the hooks of a job cancelled while
 * queued) and in workers (hearing cancel requests, the hooks of the jobs they end). The legal
 * moves are those of job-states.ts; how a cancel is written down is cancellation.ts.
 */
@Injectable()
export class JobLifecycle implements OnModuleDestroy {
  private readonly logger = new Logger(JobLifecycle.name);
  private producer: QueueEventsProducer | null = null;

  constructor(
    @InjectQueue(IMAGE_QUEUE) private readonly queue: Queue,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly guard: QueueGuard,
    private readonly events: ImageQueueEvents,
    private readonly archives: ImportArchives,
  ) {}

  /**
   * Cancels a queued job (it will never run: CANCELLED at once) or aborts an active one, and
   * answers the job once the cancellation took effect (or after CANCEL_WAIT_MS, as it is then).
   * Rejects with JOB_NOT_FOUND or JOB_NOT_CANCELLABLE.
   */
  async cancel(id: string): Promise<JobRecord> {
    const { job, bullState, record } = await this.read(id);
    requireCancellable(id, record.state);
    await this.guard.run(async () => {
      await job.updateData(withCancelMark(job.data as object));
      // A later identical request must queue new work, not join the cancelled job.
      await job.removeDeduplicationKey();
      // Waiting out a backoff: a worker ends it now rather than after the delay.
      if (bullState === 'delayed') await job.promote().catch(() => undefined);
      await this.publish(id, 'cancel-requested');
    });
    let now = await this.recordOf(id);
    if (now.state === 'ACTIVE') {
      await job.waitUntilFinished(this.events.stream, CANCEL_WAIT_MS).catch(() => undefined);
      now = await this.recordOf(id);
    }
    // Cancelled while queued: no worker ends it before one is free, and its artifact goes now.
    // (Ended by a worker, the worker ran the hooks already; they may run twice.)
    if (isFinal(now)) await this.reachedFinalState(job);
    return now;
  }

  /**
   * Queues a failed or cancelled job again, from its first attempt. Rejects with JOB_NOT_FOUND,
   * or BAD_USER_INPUT for a job of another state or one whose artifact went with its end.
   */
  async retry(id: string): Promise<JobRecord> {
    const { job, bullState, record } = await this.read(id);
    requireRetryable(id, record.state, { holdsArtifact: artifactOf(job.name, job.data) !== null });
    await this.guard.run(async () => {
      if (isCancelRequested(job.data)) await job.updateData(withoutCancelMark(job.data as object) as never);
      if (bullState === 'failed') {
        // Before it can run again: the new first attempt starts from no progress.
        await job.updateProgress(NO_PROGRESS);
        // BullMQ emits `waiting`.
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else {
        // Cancelled while queued and not yet ended by a worker: the mark was all of its cancel.
        // A worker that took it just before still ends it as cancelled.
        await this.publish(id, 'retried');
      }
    });
    return this.recordOf(id);
  }

  /**
   * Calls `listener` with the id of each job whose cancel is requested, from any process, from
   * now on. Answers a function that stops it.
   */
  onCancelRequested(listener: (jobId: string) => void): () => void {
    return this.events.on<LifecycleEventArgs>(LIFECYCLE_EVENT, (args) => {
      if (args.change === 'cancel-requested') listener(args.jobId);
    });
  }

  /**
   * Whether a job a worker just took was cancelled. Read again: its data was read when it was
   * taken, and a cancel event in between found no job to abort (the worker tracks a job only
   * once it runs it). Without a prompt answer from Redis, the data as taken.
   */
  async isCancelRequested(job: Job): Promise<boolean> {
    if (isCancelRequested(job.data)) return true;
    try {
      return isCancelRequested((await this.guard.run(() => this.queue.getJob(job.id!)))?.data);
    } catch {
      return false;
    }
  }

  /**
   * The final-state hooks: frees what the job held (JOB_ARTIFACTS). Called once a job was
   * completed, failed for good or cancelled, never before; more than once is harmless. Never
   * rejects: an artifact left behind is the sweep's (ImportArchiveSweeper).
   */
  async reachedFinalState(job: Pick<Job, 'id' | 'name' | 'data'>): Promise<void> {
    const artifact = artifactOf(job.name, job.data);
    if (!artifact) return;
    try {
      await this.release(artifact);
    } catch (error) {
      this.logger.warn({
        message: 'could not free what a finished job held',
        jobId: job.id,
        name: job.name,
        error: String(error),
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
  }

  private async release(artifact: JobArtifact): Promise<void> {
    switch (artifact.kind) {
      case 'import-archive':
        await this.archives.release(artifact.fileName);
        return;
    }
  }

  private async read(id: string): Promise<ReadJob> {
    const read = await this.guard.run(() => readJob(this.queue, id));
    if (!read) throw new JobNotFoundError(id);
    return read;
  }

  private async recordOf(id: string): Promise<JobRecord> {
    return (await this.read(id)).record;
  }

  private async publish(jobId: string, change: LifecycleChange): Promise<void> {
    this.producer ??= new QueueEventsProducer(IMAGE_QUEUE, {
      connection: bullConnection(this.config.redis),
      prefix: this.config.jobs.queuePrefix,
    });
    await this.producer.publishEvent({ eventName: LIFECYCLE_EVENT, jobId, change });
  }
}
