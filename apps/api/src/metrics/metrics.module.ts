import { Global, Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { JobsModule } from '#libs/jobs';
import { GraphQLMetrics } from './graphql-metrics.js';
import { JobMetrics } from './job-metrics.js';
import { MetricsAccess } from './metrics-access.js';
import { metricsRegistryProvider } from './metrics-registry.js';
import { MetricsController } from './metrics.controller.js';
import { ProcessGroupMetrics } from './process-group-metrics.js';
import { RequestMetrics } from './request-metrics.js';
import { StateGauges } from './state-gauges.js';

/**
 * Prometheus metrics at GET /metrics, in a registry of this app's own. Global: the HTTP edge
 * and the admission chain record into its request metrics.
 */
@Global()
@Module({
  imports: [JobsModule, CatalogueModule],
  providers: [
    metricsRegistryProvider,
    MetricsAccess,
    RequestMetrics,
    GraphQLMetrics,
    JobMetrics,
    StateGauges,
    ProcessGroupMetrics,
  ],
  exports: [ProcessGroupMetrics, RequestMetrics],
  controllers: [MetricsController],
})
export class MetricsModule {}
