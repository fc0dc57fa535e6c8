import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisClient } from '#libs/redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import type { QuotaDecision, QuotaKind, RequestQuota } from './request-quota.port.js';

const KEY_PREFIX = 'stevedore:quota';

/**
 * Fixed-window counters in Redis (rate-limiter-flexible), so every api replica counts against
 * the same budget. While Redis is down each replica falls back to counting in its own memory:
 * limits stay enforced, just per replica, and a Redis outage never blocks reads.
 */
@Injectable()
export class RedisRequestQuota implements RequestQuota, OnModuleInit, OnModuleDestroy {
  private readonly client: Redis;
  private readonly limiters: Partial<Record<QuotaKind, RateLimiterRedis>> = {};

  constructor(@Inject(STEVEDORE_CONFIG) config: StevedoreConfig) {
    // Without an offline queue a command fails at once while Redis is down, and the
    // in-memory insurance limiter answers instead of the request waiting.
    this.client = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on('error', () => undefined);
    const { windowSeconds, queries, mutations } = config.rateLimits;
    for (const [kind, points] of [
      ['query', queries],
      ['mutation', mutations],
    ] as const) {
      if (points === 0) continue;
      this.limiters[kind] = new RateLimiterRedis({
        storeClient: this.client,
        keyPrefix: `${KEY_PREFIX}:${kind}`,
        points,
        duration: windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds }),
      });
    }
  }

  /** Connected before the first request, so no early request is counted in memory only. */
  async onModuleInit(): Promise<void> {
    // Down now: requests are counted in memory until ioredis reconnects.
    await this.client.connect().catch(() => undefined);
  }

  async consume(caller: string, kind: QuotaKind, cost = 1): Promise<QuotaDecision> {
    const limiter = this.limiters[kind];
    if (!limiter) return { allowed: true };
    try {
      await limiter.consume(caller, cost);
      return { allowed: true };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        limit: limiter.points,
      };
    }
  }

  onModuleDestroy(): void {
    this.client.disconnect();
  }
}
