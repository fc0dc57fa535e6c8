import type { ConnectionOptions } from 'bullmq';

/**
 * BullMQ connection options for a Redis URL. Workers need `maxRetriesPerRequest: null` so a
 * blocking read survives a Redis restart instead of failing the worker.
 */
export function bullConnection(redisUrl: string): ConnectionOptions {
  return { url: redisUrl, maxRetriesPerRequest: null };
}
