import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics-registry.js';

/**
 * The request metrics, defined once (a metric name registers once per registry) for the
 * HTTP edge, the GraphQL metrics and the admission chain that observe them.
 */
@Injectable()
export class RequestMetrics {
  readonly http: Histogram<'method' | 'route' | 'status'>;
  readonly graphql: Histogram<'operation' | 'outcome'>;
  readonly operations: Counter<'operation' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.http = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP requests by method, route pattern and status, from arrival to the last byte of the answer',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.graphql = new Histogram({
      name: `${METRIC_PREFIX}graphql_request_duration_seconds`,
      help: 'GraphQL operations over HTTP by operation type (query, mutation, unknown) and outcome (ok, error)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    this.operations = new Counter({
      name: `${METRIC_PREFIX}operations_total`,
      help: 'Declared operations by name and outcome (ok, or the error code), over every transport, refusals included',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
  }
}
