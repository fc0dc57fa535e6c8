import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient } from '#libs/redis';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { QueueUnavailableError } from '#libs/errors';

/**
 * A small connection of its own for health checks: without an offline queue, a PING fails at
 * once while Redis is down instead of waiting behind BullMQ's retrying connections.
 */
@Injectable()
export class RedisProbe implements OnModuleInit, OnModuleDestroy {
  private readonly client: Redis;
  private connecting: Promise<void> | null = null;

  constructor(@Inject(STEVEDORE_CONFIG) config: StevedoreConfig) {
    this.client = createRedisClient(config.redis, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on('error', () => undefined);
  }

  /** Connected at start-up, so the first callers (often several at once) find it ready. */
  async onModuleInit(): Promise<void> {
    await this.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    try {
      if (['wait', 'connecting', 'connect'].includes(this.client.status)) await this.connect();
      await this.client.ping();
    } catch (error) {
      throw new QueueUnavailableError((error as Error).message, { cause: error });
    }
  }

  /** One connection attempt shared by whoever asks while it is under way. */
  private connect(): Promise<void> {
    this.connecting ??= this.client.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  onModuleDestroy(): void {
    this.client.disconnect();
  }
}
