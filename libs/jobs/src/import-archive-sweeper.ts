import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import pTimeout from 'p-timeout';
import { ImportArchives } from './import-archives.js';
import { artifactOf } from './job-definitions.js';
import { IMAGE_QUEUE } from './queue.constants.js';
import { RedisProbe } from './redis-probe.js';

/** After start-up, the sweep runs again this often, for archives whose release was missed. */
export const SWEEP_INTERVAL_MS = 15 * 60_000;
/** BullMQ states of jobs that may still run, whose archives must stay. */
const PENDING_STATES = ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children'] as const;
/** Longest wait for Redis's list of pending jobs; without it nothing is swept. */
const LIST_BOUND_MS = 10_000;

/**
 * Deletes import archives no pending job names (left by a crash between a job's end and the
 * release of its archive, by a job removed from the queue, by an upload cut off mid-way): at
 * start-up, then every SWEEP_INTERVAL_MS. Runs in every process that holds the queue (api and
 * workers); deleting twice is harmless. Without an answer from Redis it deletes nothing.
 */
@Injectable()
export class ImportArchiveSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImportArchiveSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;

  constructor(
    @InjectQueue(IMAGE_QUEUE) private readonly queue: Queue,
    private readonly archives: ImportArchives,
    private readonly redis: RedisProbe,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: start-up waits neither for Redis nor for the disk.
    void this.sweepQuietly();
    this.timer = setInterval(() => void this.sweepQuietly(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One sweep now; answers the names deleted. Rejects when Redis or the folder cannot be read. */
  sweep(): Promise<string[]> {
    this.running ??= this.sweepOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async sweepQuietly(): Promise<void> {
    try {
      const removed = await this.sweep();
      if (removed.length > 0) {
        this.logger.log({ message: 'deleted import archives no pending job names', files: removed });
      }
    } catch (error) {
      this.logger.warn({ message: 'import archive sweep skipped', error: String(error) });
    }
  }

  private async sweepOnce(): Promise<string[]> {
    const referenced = await this.pendingArchives();
    return this.archives.sweep((fileName) => referenced.has(fileName));
  }

  /** File names of the archives that jobs which may still run hold (JOB_ARTIFACTS). */
  private async pendingArchives(): Promise<Set<string>> {
    await this.redis.ping();
    const jobs = await pTimeout(this.queue.getJobs([...PENDING_STATES]), {
      milliseconds: LIST_BOUND_MS,
      message: `no answer within ${LIST_BOUND_MS} ms`,
    });
    const names = new Set<string>();
    for (const job of jobs) {
      // A job removed between the two reads of getJobs comes back undefined.
      const artifact = job ? artifactOf(job.name, job.data) : null;
      if (artifact?.kind === 'import-archive' && artifact.fileName) names.add(artifact.fileName);
    }
    return names;
  }
}
