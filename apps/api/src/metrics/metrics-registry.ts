import type { Provider } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRICS_REGISTRY = Symbol('MetricsRegistry');

/** Prefix of Stevedore's own metrics; Node's process metrics keep their standard names. */
export const METRIC_PREFIX = 'stevedore_';

/**
 * The app's own registry, not prom-client's global one: several apps in one process (the tests)
 * would otherwise register the same metric names twice.
 */
export const metricsRegistryProvider: Provider = {
  provide: METRICS_REGISTRY,
  useFactory: (): Registry => {
    const registry = new Registry();
    // RSS, heap, CPU, open handles, event loop lag, GC: the standard process_* and nodejs_* names.
    collectDefaultMetrics({ register: registry });
    return registry;
  },
};
