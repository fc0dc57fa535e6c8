import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Histogram, exponentialBuckets, type Registry } from 'prom-client';
import { isFinal, JOB_QUEUE, type JobQueue, type JobRecord } from '#libs/jobs';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics-registry.js';

/** Jobs remembered as already observed: a job can be reported final twice (see observe). */
const REMEMBERED_JOBS = 10_000;

/** Kinds whose jobs move layers between a registry and the daemon. */
const TRANSFER_KINDS: ReadonlySet<string> = new Set(['PULL', 'PUSH']);

/**
 * Durations and sizes of finished jobs, observed from the queue's change feed, so jobs run by
 * any worker (embedded or separate) are counted. Each api process observes every job: with
 * several replicas, aggregate per instance (max), not sum.
 */
@Injectable()
export class JobMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly durations: Histogram<'kind' | 'outcome'>;
  private readonly transferSizes: Histogram<'kind'>;
  private readonly observed = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.durations = new Histogram({
      name: `${METRIC_PREFIX}job_duration_seconds`,
      help: 'Finished jobs by kind (pull, push, load) and outcome (completed, failed, cancelled), from start to finish of the last attempt',
      labelNames: ['kind', 'outcome'],
      buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    });
    this.transferSizes = new Histogram({
      name: `${METRIC_PREFIX}job_transfer_bytes`,
      help: 'Bytes of the layers a completed pull or push moved (layers already present count 0)',
      labelNames: ['kind'],
      // 64 KiB to 64 GiB.
      buckets: exponentialBuckets(64 * 1024, 4, 11),
      registers: [registry],
    });
  }

  onModuleInit(): void {
    this.unsubscribe = this.queue.onChange((record) => this.observe(record));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private observe(record: JobRecord): void {
    // A queued job that is cancelled is final at once, and final again when a worker ends it.
    if (!isFinal(record) || this.observed.has(record.id)) return;
    this.remember(record.id);
    const kind = record.kind.toLowerCase();
    if (record.startedAt && record.finishedAt) {
      const seconds = (record.finishedAt.getTime() - record.startedAt.getTime()) / 1000;
      this.durations.observe({ kind, outcome: record.state.toLowerCase() }, Math.max(seconds, 0));
    }
    if (record.state === 'COMPLETED' && TRANSFER_KINDS.has(record.kind)) {
      this.transferSizes.observe({ kind }, record.progress.totalBytes);
    }
  }

  private remember(id: string): void {
    this.observed.add(id);
    if (this.observed.size > REMEMBERED_JOBS) {
      // A Set iterates in insertion order: the oldest goes.
      this.observed.delete(this.observed.values().next().value!);
    }
  }
}
