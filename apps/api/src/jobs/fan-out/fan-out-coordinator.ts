import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { JobNotCancellableError } from '#libs/errors';
import { FleetKeys } from '#libs/fleet';
import {
  ABORT_REASONS,
  bullConnection,
  cancelledReason,
  childPayloadOf,
  fanOutChildId,
  fanOutOutcome,
  fanOutPlanOf,
  fanOutProgress,
  FAN_OUT_JOB_NAMES,
  IMAGE_QUEUE,
  isFinal,
  type FanOutJobName,
  type FanOutPayload,
  type FanOutPlan,
  type ImageJobResult,
  type JobRecord,
} from '#libs/jobs';
import { HostJobQueues } from '../host-job-queues.js';
import { ChangeSignal } from './change-signal.js';

/** Parents one api process runs at once: each mostly waits for its children. */
const CONCURRENCY = 64;
/** How often a parent reads its running children when no change was heard (a missed event). */
const POLL_MS = 1_000;
/** At most one progress write per parent in this time, unless a host finished. */
const PROGRESS_EVERY_MS = 250;

/**
 * Runs the parents of fan-outs (see fan-out.ts) in every api process: queues each selected
 * host's child, at most maxParallel at a time, relays their progress as the parent's, cancels
 * them with the parent, and ends the parent once every child ended. A parent whose api died is
 * taken over by another (BullMQ's stalled-job check) and finds the children queued already.
 */
@Injectable()
export class FanOutCoordinator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FanOutCoordinator.name);
  private worker: Worker | null = null;
  private stopCancels: (() => void) | null = null;

  constructor(
    private readonly queues: HostJobQueues,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.fleet.coordinator) return;
    const worker = new Worker(IMAGE_QUEUE, (job, token, signal) => this.run(job, token, signal), {
      connection: bullConnection(this.config.redis),
      prefix: new FleetKeys(this.config.fleet.keyPrefix).fleetQueuePrefix(),
      concurrency: CONCURRENCY,
      // A parent whose api died is taken over after this long.
      lockDuration: this.config.jobs.lockMs,
      stalledInterval: this.config.jobs.lockMs,
    });
    worker.on('error', (error) =>
      this.logger.warn({ message: 'fan-out worker error', error: String(error) }),
    );
    this.worker = worker;
    this.stopCancels = this.queues.fleetLifecycle().onCancelRequested((jobId) => {
      worker.cancelJob(jobId, ABORT_REASONS.cancelled);
    });
  }

  /**
   * Parents are handed back to the queue at once, for another api: their children run on.
   * Before the queues close (HostJobQueues closes them at application shutdown).
   */
  async onModuleDestroy(): Promise<void> {
    this.stopCancels?.();
    const worker = this.worker;
    if (!worker) return;
    const closing = worker.close();
    worker.cancelAllJobs(ABORT_REASONS.shutdown);
    await closing.catch(() => undefined);
  }

  private async run(job: Job, token: string | undefined, signal?: AbortSignal): Promise<ImageJobResult> {
    const plan = fanOutPlanOf(job.data);
    if (!plan || !(FAN_OUT_JOB_NAMES as readonly string[]).includes(job.name)) {
      throw new UnrecoverableError(`INTERNAL: job ${job.id} is not a fan-out`);
    }
    const lifecycle = this.queues.fleetLifecycle();
    if (await lifecycle.isCancelRequested(job))
      throw new UnrecoverableError(cancelledReason('before it started'));
    this.logger.log({
      message: 'fan-out running',
      jobId: job.id,
      hosts: plan.hosts.length,
      maxParallel: plan.maxParallel,
      attempt: job.attemptsStarted,
    });
    const abort = signal ?? new AbortController().signal;
    const children = new FanOutChildren(this.queues, job, plan);
    const changed = new ChangeSignal();
    const stopListening = this.queues.onChange((record) => {
      if (children.owns(record.id)) changed.ring();
    });
    try {
      // A first attempt has no children yet (their ids derive from this parent's): reading every
      // host's queue would only open each. A later one (a takeover, a retry) finds those queued.
      if (job.attemptsStarted > 1) await children.readAll();
      let written = 0;
      let finishedBefore = -1;
      for (;;) {
        if (abort.aborted && abort.reason === ABORT_REASONS.shutdown) {
          // Back to the queue at once, without using up an attempt.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        if (abort.aborted) {
          await children.cancelRunning();
          throw new UnrecoverableError(cancelledReason('while running'));
        }
        await children.queueWhileRoom();
        const finished = children.finishedCount();
        if (finished !== finishedBefore || Date.now() - written >= PROGRESS_EVERY_MS) {
          await job.updateProgress(fanOutProgress(plan.hosts, children.records, job.attemptsStarted));
          written = Date.now();
          finishedBefore = finished;
        }
        if (children.allFinished()) break;
        await changed.wait(POLL_MS, abort);
        await children.readRunning();
      }
    } finally {
      stopListening();
    }
    const outcome = fanOutOutcome(children.finished());
    if (!outcome.ok) throw new UnrecoverableError(`${outcome.code}: ${outcome.message}`);
    return outcome.result;
  }
}

/** One parent's children as it knows them: per host, the child's record, or null before it is queued. */
class FanOutChildren {
  readonly records: Map<string, JobRecord | null>;
  private readonly childId: string;

  constructor(
    private readonly queues: HostJobQueues,
    private readonly parent: Job,
    private readonly plan: FanOutPlan,
  ) {
    this.records = new Map(plan.hosts.map((host) => [host, null]));
    this.childId = fanOutChildId(parent.id!);
  }

  /** Whether a job id (as HostJobQueues shows it) is one of these children. */
  owns(id: string): boolean {
    return id === this.childId || id.startsWith(`${this.childId}@`);
  }

  /** Every host's child: after a takeover, those the previous api queued are there already. */
  async readAll(): Promise<void> {
    await this.read(this.plan.hosts);
  }

  async readRunning(): Promise<void> {
    await this.read(this.plan.hosts.filter((host) => this.isRunning(this.records.get(host))));
  }

  /** Queues the next hosts' children while fewer than maxParallel run. */
  async queueWhileRoom(): Promise<void> {
    let room =
      this.plan.maxParallel - this.plan.hosts.filter((h) => this.isRunning(this.records.get(h))).length;
    for (const host of this.plan.hosts) {
      if (room <= 0) return;
      if (this.records.get(host)) continue;
      const name = this.parent.name as FanOutJobName;
      const payload = childPayloadOf(this.parent.data as FanOutPayload<typeof name>);
      this.records.set(host, await this.queues.add(name, payload, { host, jobId: this.childId }));
      room -= 1;
    }
  }

  /** Cancels every child not finished yet; one that finished meanwhile is left as it ended. */
  async cancelRunning(): Promise<void> {
    await Promise.all(
      this.plan.hosts
        .filter((host) => this.isRunning(this.records.get(host)))
        .map(async (host) => {
          try {
            this.records.set(host, await this.queues.cancel(`${this.childId}@${host}`));
          } catch (error) {
            if (!(error instanceof JobNotCancellableError)) throw error;
          }
        }),
    );
  }

  finishedCount(): number {
    return [...this.records.values()].filter((record) => record && isFinal(record)).length;
  }

  allFinished(): boolean {
    return this.finishedCount() === this.plan.hosts.length;
  }

  finished(): { host: string; record: JobRecord }[] {
    return this.plan.hosts.map((host) => ({ host, record: this.records.get(host)! }));
  }

  private isRunning(record: JobRecord | null | undefined): boolean {
    return !!record && !isFinal(record);
  }

  private async read(hosts: readonly string[]): Promise<void> {
    const records = await Promise.all(hosts.map((host) => this.queues.get(`${this.childId}@${host}`)));
    hosts.forEach((host, index) => {
      // A child gone from its queue (kept no longer) keeps the last record read of it.
      if (records[index]) this.records.set(host, records[index]);
    });
  }
}
