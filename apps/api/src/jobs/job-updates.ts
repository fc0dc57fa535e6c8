import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub } from 'graphql-subscriptions';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { JobNotFoundError } from '#libs/errors';
import { isFinal, JOB_QUEUE, type JobKind, type JobQueue, type JobRecord } from '#libs/jobs';

const ALL_JOBS = 'jobs';
/** A followed job is read again after this long without a change heard of it. */
const RECHECK_AFTER_MS = 5_000;
const QUIET: unique symbol = Symbol('quiet');
const jobTrigger = (id: string) => `job:${id}`;

/** The in-process PubSub, telling how many listeners it has. */
class JobPubSub extends PubSub<Record<string, JobRecord>> {
  listenerCount(): number {
    return this.ee.eventNames().reduce<number>((sum, name) => sum + this.ee.listenerCount(name), 0);
  }
}

/**
 * Job changes from every process (through the queue's events in Redis), relayed to this api's
 * subscribers. A completed job is relayed once the catalogue shows its result, so a client that
 * queries on COMPLETED sees the pulled image.
 *
 * The streams end at once when their consumer ends them (graphql-ws when a client completes or
 * goes away, an SSE response when its client leaves), even while they wait for a change: see
 * `endingAtOnce`.
 */
@Injectable()
export class JobUpdates implements OnModuleInit, OnModuleDestroy {
  private readonly pubSub = new JobPubSub();
  private stop: (() => void) | null = null;

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly hosts: HostCatalogues,
  ) {}

  onModuleInit(): void {
    this.stop = this.queue.onChange((record) => void this.relay(record));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** Streams listening to job changes in this api now: a stream that ended holds none. */
  get subscriberCount(): number {
    return this.pubSub.listenerCount();
  }

  /** The job now, then each change, ending after its final state. */
  follow(id: string): AsyncIterableIterator<JobRecord> {
    // Listening before reading the current state, so no change falls between the two.
    const updates = this.listen(jobTrigger(id));
    return endingAtOnce(updates, this.changesOf(id, updates));
  }

  /** Every change of every job (of one kind), from now on. */
  all(kind?: JobKind | null, host?: string | null): AsyncIterableIterator<JobRecord> {
    // Checked before listening: BAD_USER_INPUT for a host the fleet does not have.
    const only = host === undefined || host === null ? null : this.hosts.resolve(host);
    const updates = this.listen(ALL_JOBS);
    return endingAtOnce(updates, matching(updates, kind, only));
  }

  private async *changesOf(id: string, updates: AsyncIterable<JobRecord>): AsyncGenerator<JobRecord> {
    const current = await this.queue.get(id);
    if (!current) throw new JobNotFoundError(id);
    yield current;
    if (isFinal(current)) return;
    let last = current;
    const changes = updates[Symbol.asyncIterator]();
    let next = changes.next();
    for (;;) {
      // An event lost on the way (a Redis failover drops what its replica had not yet received)
      // must not leave the stream waiting for good: without news for a while, the job is read.
      const heard = await nextOrQuiet(next, RECHECK_AFTER_MS);
      let record: JobRecord | null;
      if (heard === QUIET) {
        record = await this.queue.get(id).catch(() => null);
        // Only news: the same job again is not told every few seconds.
        if (!record || !changed(record, last)) continue;
        // As relay does: a COMPLETED job is told once its host's catalogue shows the result.
        if (record.state === 'COMPLETED') await this.caughtUp(record);
      } else {
        if (heard.done) return;
        record = heard.value;
        next = changes.next();
      }
      if (!isNewer(record, last)) continue;
      last = record;
      yield record;
      if (isFinal(record)) return;
    }
  }

  /** The job's own host, caught up: its own daemon synced, another host's replica at its notice. */
  private async caughtUp(record: JobRecord): Promise<void> {
    const host = record.host ?? this.hosts.localHost;
    if (host && this.hosts.names().includes(host)) await this.hosts.fresh(host).catch(() => undefined);
  }

  /**
   * A PubSub subscription that listens from now on: PubSub's own iterator adds its listener at
   * its first next(), which `follow` only calls after reading the job.
   */
  private listen(trigger: string): AsyncIterableIterator<JobRecord> {
    const source = this.pubSub.asyncIterableIterator<JobRecord>(trigger);
    let first: Promise<IteratorResult<JobRecord>> | null = source.next();
    const listening: AsyncIterableIterator<JobRecord> = {
      next: () => {
        const next = first ?? source.next();
        first = null;
        return next;
      },
      return: () => source.return(),
      [Symbol.asyncIterator]: () => listening,
    };
    return listening;
  }

  private async relay(record: JobRecord): Promise<void> {
    if (record.state === 'COMPLETED') await this.caughtUp(record);
    await this.pubSub.publish(jobTrigger(record.id), record);
    await this.pubSub.publish(ALL_JOBS, record);
  }
}

/** The next change, or QUIET once `ms` pass without one (the change stays pending for the next call). */
async function nextOrQuiet<T>(next: Promise<T>, ms: number): Promise<T | typeof QUIET> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      next,
      sleep(ms, QUIET as typeof QUIET, { signal: timer.signal, ref: false }).catch((): typeof QUIET => QUIET),
    ]);
  } finally {
    timer.abort();
  }
}

/** Whether a job read again differs from the last one told (state, attempt or progress). */
function changed(record: JobRecord, last: JobRecord): boolean {
  return (
    record.state !== last.state ||
    record.attempts !== last.attempts ||
    record.progress.percent !== last.progress.percent ||
    record.progress.currentBytes !== last.progress.currentBytes
  );
}

async function* matching(
  updates: AsyncIterable<JobRecord>,
  kind: JobKind | null | undefined,
  host: string | null,
): AsyncGenerator<JobRecord> {
  for await (const record of updates) {
    if ((!kind || record.kind === kind) && (host === null || record.host === host)) yield record;
  }
}

/**
 * `stream` (an async generator reading `source`) with a return() that takes effect at once.
 * An async generator sees return() only at its next `yield`: one waiting in `for await` for the
 * next change would keep its listener, and keep whoever awaits return() waiting (graphql-ws
 * before it counts a connection closed), until a change came; on a quiet queue, for good.
 * Ending `source` first ends that wait; the source ends however the stream ends, and nothing
 * the stream yields after return() reaches the consumer.
 */
function endingAtOnce<T>(
  source: AsyncIterator<unknown>,
  stream: AsyncGenerator<T>,
): AsyncIterableIterator<T> {
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let ended = false;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    if (ended) return done;
    ended = true;
    await source.return?.();
    // Finishes at once unless the stream awaits something else (the job's current state):
    // nothing needs to wait for that.
    stream.return(undefined).catch(() => undefined);
    return done;
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (ended) return done;
      let result: IteratorResult<T>;
      try {
        result = await stream.next();
      } catch (error) {
        if (ended) return done;
        await end();
        throw error;
      }
      if (!result.done && !ended) return result;
      await end();
      return done;
    },
    return: end,
    async throw(error?: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const STAGE = { QUEUED: 0, ACTIVE: 1, COMPLETED: 2, FAILED: 2, CANCELLED: 2 } as const;

/** A change read before the current state may arrive after it: never go back. */
function isNewer(record: JobRecord, last: JobRecord): boolean {
  if (record.attempts !== last.attempts) return record.attempts > last.attempts;
  if (STAGE[record.state] !== STAGE[last.state]) return STAGE[record.state] > STAGE[last.state];
  return record.progress.percent >= last.progress.percent;
}
