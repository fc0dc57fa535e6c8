import { Injectable } from '@nestjs/common';
import pTimeout from 'p-timeout';
import { DomainError, QueueUnavailableError } from '#libs/errors';
import { RedisProbe } from './redis-probe.js';

/** Longest wait for Redis on behalf of a caller before QUEUE_UNAVAILABLE. */
const REDIS_ANSWER_MS = 5_000;

/**
 * Runs queue operations for callers: Redis errors become QUEUE_UNAVAILABLE; domain errors pass
 * through. BullMQ's connection queues commands while Redis is down and would wait for it
 * forever, so a ping on the probe's fail-fast connection answers first (no command is left
 * queued to run later, such as a job the caller was told was not queued; the connection's state
 * alone lags a Redis just gone), and a bound covers Redis going away between the two.
 */
@Injectable()
export class QueueGuard {
  constructor(private readonly redis: RedisProbe) {}

  async run<T>(operation: () => Promise<T>): Promise<T> {
    await this.redis.ping();
    try {
      // The operation's own late failure (the connection closing under it) is then handled too.
      return await pTimeout(operation(), {
        milliseconds: REDIS_ANSWER_MS,
        message: `no answer within ${REDIS_ANSWER_MS} ms`,
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }
}
