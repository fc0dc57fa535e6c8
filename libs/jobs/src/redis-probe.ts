import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { QueueUnavailableError } from '#libs/errors';

/**
 * A small connection of its own for health checks: without an offline queue, a PING fails at
 * once while Redis is down instead of waiting behind BullMQ's retrying connections.
 */
@Injectable()
export class RedisProbe implements OnModuleDestroy {
  private readonly client: Redis;

  constructor(@Inject(STEVEDORE_CONFIG) config: StevedoreConfig) {
    this.client = new Redis(config.redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on('error', () => undefined);
  }

  async ping(): Promise<void> {
    try {
      if (this.client.status === 'wait') await this.client.connect();
      await this.client.ping();
    } catch (error) {
      throw new QueueUnavailableError((error as Error).message, { cause: error });
    }
  }

  onModuleDestroy(): void {
    this.client.disconnect();
  }
}
