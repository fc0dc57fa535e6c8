import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { EVERY_TAGGED_IMAGE, JOB_NAMES, JOB_QUEUE, type JobQueue } from '#libs/jobs';

/** One scheduler for the whole queue, however many workers start. */
export const UPDATE_CHECK_SCHEDULER = 'update-check';

/**
 * Checks every tagged local image for updates every UPDATE_CHECK_INTERVAL_SECONDS (a BullMQ job
 * scheduler: the checks are jobs like any other, listed, cancellable, one at a time), or stops the
 * checks when the interval is 0. Each worker says so at start; the last one to start wins.
 */
@Injectable()
export class UpdateCheckScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(UpdateCheckScheduler.name);

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const everyMs = this.config.registries.updateCheckIntervalMs;
    try {
      await this.queue.schedule(
        UPDATE_CHECK_SCHEDULER,
        JOB_NAMES.checkUpdates,
        { ref: EVERY_TAGGED_IMAGE, requestedBy: 'scheduler' },
        everyMs,
      );
    } catch (error) {
      // Redis down at start: the worker still runs, and the next start schedules again.
      this.logger.warn({ message: 'could not schedule the update checks', error: String(error) });
    }
  }
}
