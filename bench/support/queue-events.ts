import { Redis } from 'ioredis';

/** One entry of a BullMQ queue's events stream (`bull:<queue>:events`). */
export interface QueueStreamEvent {
  /** Stream entry id, `<ms>-<seq>`. */
  readonly id: string;
  /**
   * The `<ms>` part of the id: the Redis server's clock (ms since the epoch) when the entry was
   * added. Redis runs on this host, so it is the same clock as Date.now() here.
   */
  readonly writtenAt: number;
  /** Date.now() when this reader got the entry. */
  readonly readAt: number;
  /** `event` field: added, waiting, active, progress, completed, failed, … */
  readonly event: string;
  readonly jobId?: string;
  /** `data` of a progress event: the JSON the worker passed to job.updateProgress. */
  readonly data?: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Reads a BullMQ events stream with its own Redis connection (XREAD BLOCK) from the moment it
 * starts, and keeps every entry. Nothing goes through the api: the bench's own view of what the
 * worker and the queue wrote, with Redis's timestamps.
 */
export class QueueEventLog {
  private readonly entries: QueueStreamEvent[] = [];
  private readonly waiters = new Set<{ test: (event: QueueStreamEvent) => boolean; done: () => void }>();
  private stopped = false;
  private failure: Error | undefined;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
    private lastId: string,
  ) {
    this.loop = this.read();
  }

  /** Starts after the stream's current last entry, so no entry written from now on is missed. */
  static async start(redisUrl: string, streamKey: string): Promise<QueueEventLog> {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect();
    const last = (await redis.xrevrange(streamKey, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return new QueueEventLog(redis, streamKey, last[0]?.[0] ?? '0-0');
  }

  all(): readonly QueueStreamEvent[] {
    return this.entries;
  }

  ofJob(jobId: string, event?: string): QueueStreamEvent[] {
    return this.entries.filter(
      (entry) => entry.jobId === jobId && (event === undefined || entry.event === event),
    );
  }

  /** The first entry (already read or to come) that passes `test`; rejects after `timeoutMs`. */
  async waitFor(test: (event: QueueStreamEvent) => boolean, timeoutMs: number): Promise<QueueStreamEvent> {
    const seen = this.entries.find(test);
    if (seen) return seen;
    if (this.failure) throw this.failure;
    return new Promise<QueueStreamEvent>((resolve, reject) => {
      const waiter = {
        test,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          const found = this.entries.find(test);
          if (found) resolve(found);
          else reject(this.failure ?? new Error('the events reader stopped'));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching queue event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.redis.disconnect();
    await this.loop;
  }

  private async read(): Promise<void> {
    while (!this.stopped) {
      let answer: [string, [string, string[]][]][] | null;
      try {
        answer = (await this.redis.xread('BLOCK', 250, 'STREAMS', this.streamKey, this.lastId)) as
          [string, [string, string[]][]][] | null;
      } catch (error) {
        if (!this.stopped) this.failure = error as Error;
        break;
      }
      const readAt = Date.now();
      for (const [, items] of answer ?? []) {
        for (const [id, flat] of items) {
          this.lastId = id;
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          const entry: QueueStreamEvent = {
            id,
            writtenAt: Number(id.split('-')[0]),
            readAt,
            event: fields['event'] ?? '',
            jobId: fields['jobId'],
            data: fields['data'],
            fields,
          };
          this.entries.push(entry);
          for (const waiter of [...this.waiters]) if (waiter.test(entry)) waiter.done();
        }
      }
    }
    for (const waiter of [...this.waiters]) waiter.done();
  }
}
