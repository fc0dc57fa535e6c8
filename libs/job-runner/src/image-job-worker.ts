import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DomainError } from '#libs/errors';
import {
  ALL_JOB_NAMES,
  bullConnection,
  CANCEL_CHANNEL,
  CANCELLED_MARK,
  IMAGE_QUEUE,
  JobFailure,
  type ImageJobPayload,
  type ImageJobResult,
  type JobName,
  type JobProgressRecord,
} from '#libs/jobs';
import { ProgressThrottle } from '#libs/progress';
import { HandlesJob, type ImageJobHandler, type JobContext } from './job-handler.js';

/** Why a job's signal was aborted. */
const ABORT_CANCELLED = 'cancelled';
const ABORT_SHUTDOWN = 'shutdown';
/** Errors of these codes may go away by themselves: the job is retried with backoff. */
const TRANSIENT_CODES = new Set(['DOCKER_UNAVAILABLE', 'REGISTRY_UNREACHABLE', 'QUEUE_UNAVAILABLE']);
const PROGRESS_INTERVAL_MS = 100;

/**
 * The BullMQ worker of the image queue: dispatches each job to the handler of its name, turns
 * handler failures into retries or final failures, aborts jobs on request, and shuts down
 * gracefully (active jobs get a grace period, then go back to the queue for another worker).
 */
@Injectable()
export class ImageJobWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImageJobWorker.name);
  private readonly handlers = new Map<JobName, ImageJobHandler>();
  private worker: Worker | null = null;
  private cancellations: Redis | null = null;
  /** `finished` calls of handlers under way, awaited at shutdown. */
  private readonly releases = new Set<Promise<void>>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.collectHandlers();
    const { lockMs } = this.config.jobs;
    this.worker = new Worker(IMAGE_QUEUE, (job, token, signal) => this.process(job, token, signal), {
      connection: bullConnection(this.config.redis.url),
      concurrency: this.config.worker.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
    });
    this.worker.on('error', (error) => this.logger.warn({ message: 'worker error', error: String(error) }));
    // Final states only, each once BullMQ recorded it: completed; failed for good (BullMQ sets
    // finishedOn only then: not for a failed attempt that will be retried), which covers cancelled
    // (before or while running) and stalled too often. A job handed back at shutdown is neither.
    this.worker.on('completed', (job) => this.finished(job));
    this.worker.on('failed', (job) => {
      if (job?.finishedOn) this.finished(job);
    });
    this.listenForCancellations();
    this.logger.log({
      message: 'worker started',
      queue: IMAGE_QUEUE,
      concurrency: this.config.worker.concurrency,
      handlers: [...this.handlers.keys()],
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.cancellations?.disconnect();
    const worker = this.worker;
    if (!worker) return;
    const closing = worker.close();
    const graceMs = this.config.jobs.shutdownGraceMs;
    const finished = await Promise.race([
      closing.then(() => true),
      sleep(graceMs, undefined, { ref: false }).then(() => false),
    ]);
    if (!finished) {
      this.logger.warn({ message: 'grace period over: handing active jobs back to the queue', graceMs });
      worker.cancelAllJobs(ABORT_SHUTDOWN);
      await closing;
    }
    await Promise.allSettled([...this.releases]);
  }

  /** Every job name needs exactly one handler: a job nobody can run must not be accepted. */
  private collectHandlers(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: HandlesJob.KEY })) {
      const name = this.discovery.getMetadataByDecorator(HandlesJob, wrapper);
      if (!name || !wrapper.instance) continue;
      if (this.handlers.has(name)) throw new Error(`Two handlers for job "${name}".`);
      this.handlers.set(name, wrapper.instance as ImageJobHandler);
    }
    const missing = ALL_JOB_NAMES.filter((name) => !this.handlers.has(name));
    if (missing.length > 0)
      throw new Error(`No handler for job(s) ${missing.join(', ')}: the worker cannot start.`);
  }

  private listenForCancellations(): void {
    this.cancellations = new Redis(this.config.redis.url, { maxRetriesPerRequest: null });
    this.cancellations.on('error', (error) =>
      this.logger.warn({ message: 'cancellation channel error', error: String(error) }),
    );
    void this.cancellations.subscribe(CANCEL_CHANNEL);
    this.cancellations.on('message', (_channel: string, jobId: string) => {
      if (this.worker?.cancelJob(jobId, ABORT_CANCELLED))
        this.logger.log({ message: 'job cancelled', jobId });
    });
  }

  /** Lets the job's handler free what the job held, now that the job is over. */
  private finished(job: Job): void {
    const handler = this.handlers.get(job.name as JobName);
    if (!handler?.finished) return;
    const release = handler
      .finished(job.data as never)
      .catch((error: unknown) =>
        this.logger.warn({
          message: 'could not free what a finished job held',
          jobId: job.id,
          name: job.name,
          error: String(error),
        }),
      )
      .finally(() => this.releases.delete(release));
    this.releases.add(release);
  }

  private async process(job: Job, token: string | undefined, signal?: AbortSignal): Promise<ImageJobResult> {
    const payload = job.data as ImageJobPayload;
    if (payload.cancelRequested)
      throw new UnrecoverableError(`${CANCELLED_MARK}: cancelled before it started`);
    const handler = this.handlers.get(job.name as JobName);
    if (!handler) throw new UnrecoverableError(`INTERNAL: no handler for job ${JSON.stringify(job.name)}`);
    const abort = signal ?? new AbortController().signal;
    const attempt = job.attemptsStarted;
    const throttle = new ProgressThrottle<Omit<JobProgressRecord, 'attempt'>>(
      PROGRESS_INTERVAL_MS,
      (progress) => job.updateProgress({ ...progress, attempt }),
    );
    const context: JobContext = {
      jobId: job.id!,
      signal: abort,
      attempt,
      reportProgress: (progress) => throttle.push(progress),
      flushProgress: () => throttle.flush(),
    };
    const started = performance.now();
    try {
      const result = await handler.run(payload, context);
      await throttle.flush();
      this.logger.log({
        message: 'job completed',
        jobId: job.id,
        name: job.name,
        ref: payload.ref,
        ms: elapsed(started),
      });
      return result;
    } catch (error) {
      await throttle.flush().catch(() => undefined);
      throw await this.failureOf(job, token, abort, error);
    } finally {
      throttle.close();
    }
  }

  /** What BullMQ should do with a job whose handler threw. */
  private async failureOf(
    job: Job,
    token: string | undefined,
    signal: AbortSignal,
    error: unknown,
  ): Promise<Error> {
    if (signal.aborted && signal.reason === ABORT_CANCELLED) {
      return new UnrecoverableError(`${CANCELLED_MARK}: cancelled while running`);
    }
    if (signal.aborted && signal.reason === ABORT_SHUTDOWN) {
      // Back to the queue at once, for another worker, without using up an attempt.
      await job.moveToDelayed(Date.now(), token);
      return new DelayedError();
    }
    const failure = asJobFailure(error);
    this.logger.warn({
      message: 'job failed',
      jobId: job.id,
      name: job.name,
      code: failure.code,
      error: failure.detail,
    });
    const retryable = failure.retryable ?? TRANSIENT_CODES.has(failure.code);
    return retryable ? failure : new UnrecoverableError(failure.message);
  }
}

function asJobFailure(error: unknown): JobFailure {
  if (error instanceof JobFailure) return error;
  if (error instanceof DomainError) return new JobFailure(error.code, error.message);
  return new JobFailure('INTERNAL', error instanceof Error ? error.message : String(error));
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
