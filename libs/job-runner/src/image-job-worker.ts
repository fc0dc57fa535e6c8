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
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import {
  ABORT_REASONS,
  ALL_JOB_NAMES,
  attemptOutcome,
  bullConnection,
  cancelledReason,
  IMAGE_QUEUE,
  JobLifecycle,
  type AttemptOutcome,
  type ImageJobPayload,
  type ImageJobResult,
  type JobName,
  type JobProgressRecord,
} from '#libs/jobs';
import { ProgressThrottle } from '#libs/progress';
import { HandlesJob, type ImageJobHandler, type JobContext } from './job-handler.js';

const PROGRESS_INTERVAL_MS = 100;

/**
 * The BullMQ worker of the image queue: dispatches each job to the handler of its name and does
 * what the job lifecycle makes of the attempt (attemptOutcome: cancelled, handed back, retried,
 * failed), aborts jobs whose cancel the lifecycle hears of, lets the lifecycle run the final-state
 * hooks of the jobs it ends, and shuts down gracefully (active jobs get a grace period, then go
 * back to the queue for another worker).
 */
@Injectable()
export class ImageJobWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImageJobWorker.name);
  private readonly handlers = new Map<JobName, ImageJobHandler>();
  private worker: Worker | null = null;
  private stopHearingCancels: (() => void) | null = null;
  /** Final-state hooks under way, awaited at shutdown. */
  private readonly hooks = new Set<Promise<void>>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly lifecycle: JobLifecycle,
  ) {}

  onApplicationBootstrap(): void {
    this.collectHandlers();
    const { lockMs } = this.config.jobs;
    this.worker = new Worker(IMAGE_QUEUE, (job, token, signal) => this.process(job, token, signal), {
      connection: bullConnection(this.config.redis),
      prefix: this.config.jobs.queuePrefix,
      concurrency: this.config.worker.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
    });
    this.worker.on('error', (error) => this.logger.warn({ message: 'worker error', error: String(error) }));
    // Final states only, each once BullMQ recorded it: completed; failed for good (BullMQ sets
    // finishedOn only then: not for a failed attempt that will be retried), which covers cancelled
    // (before or while running) and stalled too often. A job handed back at shutdown is neither.
    this.worker.on('completed', (job) => this.reachedFinalState(job));
    this.worker.on('failed', (job) => {
      if (job?.finishedOn) this.reachedFinalState(job);
    });
    this.stopHearingCancels = this.lifecycle.onCancelRequested((jobId) => {
      if (this.worker?.cancelJob(jobId, ABORT_REASONS.cancelled))
        this.logger.log({ message: 'job cancelled', jobId });
    });
    this.logger.log({
      message: 'worker started',
      queue: IMAGE_QUEUE,
      concurrency: this.config.worker.concurrency,
      handlers: [...this.handlers.keys()],
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopHearingCancels?.();
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
      worker.cancelAllJobs(ABORT_REASONS.shutdown);
      await closing;
    }
    await Promise.allSettled([...this.hooks]);
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

  private reachedFinalState(job: Job): void {
    const hook = this.lifecycle.reachedFinalState(job).finally(() => this.hooks.delete(hook));
    this.hooks.add(hook);
  }

  private async process(job: Job, token: string | undefined, signal?: AbortSignal): Promise<ImageJobResult> {
    if (await this.lifecycle.isCancelRequested(job)) {
      throw new UnrecoverableError(cancelledReason('before it started'));
    }
    const handler = this.handlers.get(job.name as JobName);
    if (!handler) throw new UnrecoverableError(`INTERNAL: no handler for job ${JSON.stringify(job.name)}`);
    const payload = job.data as ImageJobPayload;
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
      throw await this.errorFor(job, token, attemptOutcome(error, abort));
    } finally {
      throttle.close();
    }
  }

  /** The error that makes BullMQ do what the lifecycle made of the attempt. */
  private async errorFor(job: Job, token: string | undefined, outcome: AttemptOutcome): Promise<Error> {
    switch (outcome.kind) {
      case 'cancelled':
        return new UnrecoverableError(cancelledReason('while running'));
      case 'handed-back':
        // Back to the queue at once, for another worker, without using up an attempt.
        await job.moveToDelayed(Date.now(), token);
        return new DelayedError();
      case 'retryable':
      case 'failed':
        this.logger.warn({
          message: 'job failed',
          jobId: job.id,
          name: job.name,
          code: outcome.failure.code,
          error: outcome.failure.detail,
        });
        // BullMQ retries a plain error while attempts remain, never an UnrecoverableError.
        return outcome.kind === 'retryable'
          ? outcome.failure
          : new UnrecoverableError(outcome.failure.message);
    }
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
