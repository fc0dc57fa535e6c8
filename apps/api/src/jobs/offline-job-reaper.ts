import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { UnrecoverableError, Worker } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { HostOfflineError } from '#libs/errors';
import { FleetKeys } from '#libs/fleet';
import { bullConnection, IMAGE_QUEUE } from '#libs/jobs';
import { HostCatalogues } from '../fleet/host-catalogues.js';

/**
 * Ends the queued jobs of a host whose agent has been away past FLEET_JOB_DEADLINE_SECONDS: they
 * fail with HOST_OFFLINE rather than wait for ever. It works that host's queue itself while the
 * host is away that long (a worker whose every job fails at once), and stops as soon as the agent
 * is heard from again, which then runs what is left. A job of an agent killed mid-run is handed
 * back by BullMQ's stalled-job check and ends the same way.
 */
@Injectable()
export class OfflineJobReaper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OfflineJobReaper.name);
  private readonly reapers = new Map<string, Worker<unknown, void>>();
  private readonly keys: FleetKeys;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hosts: HostCatalogues,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {
    this.keys = new FleetKeys(config.fleet.keyPrefix);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () =>
        void this.check().catch((error: unknown) =>
          this.logger.warn({ message: 'offline host check failed', error: String(error) }),
        ),
      this.config.fleet.heartbeatMs,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.reapers.values()].map((worker) => worker.close(true).catch(() => undefined)));
    this.reapers.clear();
  }

  /** Starts reaping the hosts away past the deadline, and stops for those heard from again. */
  async check(now = new Date()): Promise<void> {
    const deadlineMs = this.config.fleet.jobDeadlineMs;
    for (const record of this.hosts.roster.list()) {
      if (record.name === this.hosts.localHost) continue;
      const away = now.getTime() - record.lastHeartbeatAt.getTime();
      const reaping = this.reapers.get(record.name);
      if (away > deadlineMs && !reaping) this.reap(record.name, record.lastHeartbeatAt);
      if (away <= deadlineMs && reaping) {
        this.reapers.delete(record.name);
        await reaping.close().catch(() => undefined);
        this.logger.log({ message: 'host is back: its queue is its agent’s again', host: record.name });
      }
    }
  }

  private reap(host: string, lastSeen: Date): void {
    const error = new HostOfflineError(
      host,
      `its agent has not been heard from since ${lastSeen.toISOString()}, past the jobs' deadline (FLEET_JOB_DEADLINE_SECONDS)`,
    );
    const worker = new Worker<unknown, void>(
      IMAGE_QUEUE,
      async (): Promise<void> => {
        // The failed reason carries the code, as a handler's JobFailure does.
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      },
      {
        connection: bullConnection(this.config.redis),
        prefix: this.keys.hostQueuePrefix(host),
        concurrency: 8,
      },
    );
    worker.on('error', () => undefined);
    this.reapers.set(host, worker);
    this.logger.warn({ message: 'host away past the jobs deadline: failing its queued jobs', host });
  }
}
