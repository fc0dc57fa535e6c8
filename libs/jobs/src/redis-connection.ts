import type { ConnectionOptions } from 'bullmq';
import { redisConnectionOptions, type RedisTarget } from '#libs/redis';

/**
 * BullMQ connection options for a Redis (a URL, or sentinels). Workers need
 * `maxRetriesPerRequest: null` so a blocking read survives a Redis restart or failover instead of
 * failing the worker.
 */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  return redisConnectionOptions(target, { maxRetriesPerRequest: null }) as ConnectionOptions;
}
