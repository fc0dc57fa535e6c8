import { Inject, Injectable } from '@nestjs/common';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics-registry.js';

/** Every api process's metrics (this one's first), each as `registry.getMetricsAsJSON()` gives them. */
export type GroupMetricsSource = () => Promise<readonly (readonly object[])[]>;

/**
 * What a scrape reads. Alone, this process's registry. With API_PROCESSES > 1 the kernel hands
 * a scrape to any process, so main.ts sets a source that gathers every process's metrics, and
 * they are added up (counters, histograms, process CPU and memory) or taken once (the gauges
 * every process reads alike: catalogue, Docker, Redis, job census).
 */
@Injectable()
export class ProcessGroupMetrics {
  private group: GroupMetricsSource | null = null;

  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  gatherFrom(source: GroupMetricsSource): void {
    this.group = source;
  }

  /** This process's own metrics, for the others' scrapes. */
  own(): Promise<object[]> {
    return this.registry.getMetricsAsJSON();
  }

  async exposition(): Promise<{ text: string; contentType: string }> {
    if (!this.group) return { text: await this.registry.metrics(), contentType: this.registry.contentType };
    const aggregated = AggregatorRegistry.aggregate([...(await this.group())] as object[]);
    return { text: await aggregated.metrics(), contentType: this.registry.contentType };
  }
}
