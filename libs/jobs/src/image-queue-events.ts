import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { IMAGE_QUEUE } from './queue.constants.js';
import { bullConnection } from './redis-connection.js';

/**
 * The image queue's event stream in Redis, read by one QueueEvents per process (its blocking
 * connection is opened at the first use): the api follows job changes on it, waits on it for a
 * cancel to take effect, and workers hear cancel requests on it. A stream, not pub/sub: a
 * reader that lost its connection for a moment goes on from the last event it read.
 */
@Injectable()
export class ImageQueueEvents implements OnModuleDestroy {
  private readonly logger = new Logger(ImageQueueEvents.name);
  private events: QueueEvents | null = null;

  constructor(@Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig) {}

  /** Events from now on; BullMQ's own and ours (QueueEventsProducer) alike. */
  get stream(): QueueEvents {
    if (!this.events) {
      this.events = new QueueEvents(IMAGE_QUEUE, {
        connection: bullConnection(this.config.redis),
        prefix: this.config.jobs.queuePrefix,
      });
      this.events.on('error', (error) =>
        this.logger.warn({ message: 'queue events error', error: String(error) }),
      );
    }
    return this.events;
  }

  /**
   * Calls `listener` with the arguments of each `event`. Our own events are emitted under their
   * own name, which BullMQ's listener types do not know. Answers a function that stops it.
   */
  on<A extends { jobId: string }>(event: string, listener: (args: A) => void): () => void {
    const stream = this.stream as unknown as {
      on(event: string, listener: (args: A) => void): void;
      off(event: string, listener: (args: A) => void): void;
    };
    stream.on(event, listener);
    return () => stream.off(event, listener);
  }

  async onModuleDestroy(): Promise<void> {
    await this.events?.close().catch(() => undefined);
  }
}
