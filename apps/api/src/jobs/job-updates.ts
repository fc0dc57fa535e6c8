import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import { LiveCatalogue } from '#libs/catalogue';
import { JobNotFoundError } from '#libs/errors';
import { isFinal, JOB_QUEUE, type JobKind, type JobQueue, type JobRecord } from '#libs/jobs';

const ALL_JOBS = 'jobs';
const jobTrigger = (id: string) => `job:${id}`;

/**
 * Job changes from every process (through the queue's events in Redis), relayed to this api's
 * subscribers. A completed job is relayed once the catalogue shows its result, so a client that
 * queries on COMPLETED sees the pulled image.
 */
@Injectable()
export class JobUpdates implements OnModuleInit, OnModuleDestroy {
  private readonly pubSub = new PubSub<Record<string, JobRecord>>();
  private stop: (() => void) | null = null;

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly catalogue: LiveCatalogue,
  ) {}

  onModuleInit(): void {
    this.stop = this.queue.onChange((record) => void this.relay(record));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** The job now, then each change, ending after its final state. */
  async *follow(id: string): AsyncGenerator<JobRecord> {
    // Subscribed before reading the current state, so no change falls between the two.
    const updates = this.subscribe(jobTrigger(id));
    try {
      const current = await this.queue.get(id);
      if (!current) throw new JobNotFoundError(id);
      yield current;
      if (isFinal(current)) return;
      let last = current;
      for await (const record of updates) {
        if (!isNewer(record, last)) continue;
        last = record;
        yield record;
        if (isFinal(record)) return;
      }
    } finally {
      await updates.return?.();
    }
  }

  /** Every change of every job (of one kind), from now on. */
  async *all(kind?: JobKind | null): AsyncGenerator<JobRecord> {
    const updates = this.subscribe(ALL_JOBS);
    try {
      for await (const record of updates) if (!kind || record.kind === kind) yield record;
    } finally {
      await updates.return?.();
    }
  }

  private subscribe(trigger: string): AsyncIterableIterator<JobRecord> {
    return this.pubSub.asyncIterableIterator<JobRecord>(
      trigger,
    ) as unknown as AsyncIterableIterator<JobRecord>;
  }

  private async relay(record: JobRecord): Promise<void> {
    if (record.state === 'COMPLETED') await this.catalogue.refresh().catch(() => undefined);
    await this.pubSub.publish(jobTrigger(record.id), record);
    await this.pubSub.publish(ALL_JOBS, record);
  }
}

const STAGE = { QUEUED: 0, ACTIVE: 1, COMPLETED: 2, FAILED: 2, CANCELLED: 2 } as const;

/** A change read before the current state may arrive after it: never go back. */
function isNewer(record: JobRecord, last: JobRecord): boolean {
  if (record.attempts !== last.attempts) return record.attempts > last.attempts;
  if (STAGE[record.state] !== STAGE[last.state]) return STAGE[record.state] > STAGE[last.state];
  return record.progress.percent >= last.progress.percent;
}
