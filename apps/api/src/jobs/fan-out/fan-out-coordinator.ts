import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { JobNotCancellableError, JobNotFoundError, QueueUnavailableError } from '#libs/errors';
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
/** How often a parent may be taken over from an api that died before it fails (BullMQ's default: 1). */
const MAX_TAKEOVERS = 100;
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
      // A parent whose api died is taken over after this long, however often that happens: a
      // parent resumes where it was (its children are found again).
      lockDuration: this.config.jobs.lockMs,
      stalledInterval: this.config.jobs.lockMs,
      maxStalledCount: MAX_TAKEOVERS,
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
    const children = new FanOutChildren(this.queues, job, plan);
    // A first attempt has no children yet (their ids derive from this parent's): reading every
    // host's queue would only open each. A later one (a takeover, a retry) finds those queued.
    const resumed = job.attemptsStarted > 1;
    if (await lifecycle.isCancelRequested(job)) {
      // Cancelled while waiting between attempts: an earlier attempt's children may still run.
      if (resumed) {
        await children.readAll();
        await children.cancelRunning();
      }
      throw new UnrecoverableError(cancelledReason(resumed ? 'while running' : 'before it started'));
    }
    this.logger.log({
      message: 'fan-out running',
      jobId: job.id,
      hosts: plan.hosts.length,
      maxParallel: plan.maxParallel,
      attempt: job.attemptsStarted,
    });
    const abort = signal ?? new AbortController().signal;
    const changed = new ChangeSignal();
    // A change heard carries the child's record: no read needed.
    const stopListening = this.queues.onChange((record) => {
      if (children.apply(record)) changed.ring();
    });
    try {
      if (resumed) await children.readAll();
      let cancelSeen = false;
      let written = { at: 0, key: '', finished: -1 };
      for (;;) {
        if (abort.aborted && abort.reason === ABORT_REASONS.shutdown) {
          // Back to the queue at once, without using up an attempt.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        if (abort.aborted || cancelSeen) {
          await children.cancelRunning();
          throw new UnrecoverableError(cancelledReason('while running'));
        }
        try {
          await children.queueWhileRoom();
          const progress = fanOutProgress(plan.hosts, children.records, job.attemptsStarted);
          const key = `${progress.percent}|${progress.currentBytes}|${progress.totalBytes}|${progress.message}`;
          const finished = children.finishedCount();
          const due = finished !== written.finished || Date.now() - written.at >= PROGRESS_EVERY_MS;
          if (key !== written.key && due) {
            await job.updateProgress(progress);
            written = { at: Date.now(), key, finished };
          }
          // As the progress just written saw it: a child that ended while it was written is
          // heard (the change rings) and written on the next turn, so the last progress is all.
          if (finished === plan.hosts.length) break;
        } catch (error) {
          // Redis away a moment (a failover): the rollout resumes once it answers, no attempt spent.
          if (!(error instanceof QueueUnavailableError)) throw error;
          this.logger.warn({ message: 'fan-out waits for Redis', jobId: job.id, error: error.message });
        }
        if (!(await changed.wait(POLL_MS, abort))) {
          // Nothing heard for a while: read the running children, and whether a cancel was missed.
          try {
            await children.readRunning();
            cancelSeen = await lifecycle.isCancelRequested(job);
          } catch (error) {
            if (!(error instanceof QueueUnavailableError)) throw error;
          }
        }
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

  /** Takes a child's record heard of (as HostJobQueues shows it); false when not one of these. */
  apply(record: JobRecord): boolean {
    if (record.id !== this.childId && !record.id.startsWith(`${this.childId}@`)) return false;
    const host = record.host ?? record.id.slice(this.childId.length + 1);
    if (!this.records.has(host)) return false;
    // A late event never takes a child back from its end.
    const held = this.records.get(host);
    if (held && isFinal(held) && !isFinal(record)) return false;
    this.records.set(host, record);
    return true;
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
            this.records.set(host, await this.queues.cancelOn(host, this.childId));
          } catch (error) {
            // Ended meanwhile, or gone: nothing left to cancel.
            if (!(error instanceof JobNotCancellableError) && !(error instanceof JobNotFoundError))
              throw error;
          }
        }),
    );
  }

  finishedCount(): number {
    return [...this.records.values()].filter((record) => record && isFinal(record)).length;
  }

  finished(): { host: string; record: JobRecord }[] {
    return this.plan.hosts.map((host) => ({ host, record: this.records.get(host)! }));
  }

  private isRunning(record: JobRecord | null | undefined): boolean {
    return !!record && !isFinal(record);
  }

  private async read(hosts: readonly string[]): Promise<void> {
    const records = await Promise.all(hosts.map((host) => this.queues.getOn(host, this.childId)));
    hosts.forEach((host, index) => {
      // A child gone from its queue (kept no longer) keeps the last record read of it.
      if (records[index]) this.records.set(host, records[index]);
    });
  }
}
