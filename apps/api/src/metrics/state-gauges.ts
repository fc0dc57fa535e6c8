import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { LiveCatalogue, type CatalogueSnapshot } from '#libs/catalogue';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { JOB_CENSUS, RedisProbe, type JobCensus } from '#libs/jobs';
import { withTimeout } from '../common/with-timeout.js';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics-registry.js';

/** A scrape must not hang on a dependency that does not answer (the readiness probe waits as long). */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Gauges read at scrape time (prom-client calls `collect` on each, in parallel): the catalogue
 * from memory (never a daemon call), Docker and Redis by a ping, jobs by a census of the queue.
 */
@Injectable()
export class StateGauges {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly catalogue: LiveCatalogue,
    @Inject(DOCKER_ENGINE) private readonly docker: DockerEngine,
    private readonly redis: RedisProbe,
    @Inject(JOB_CENSUS) private readonly census: JobCensus,
    @Inject(STEVEDORE_CONFIG) config: StevedoreConfig,
  ) {
    // An api with no Docker socket has no daemon or catalogue of its own to report on.
    if (config.fleet.apiDocker) {
      this.catalogueGauges(registry);
      this.availabilityGauge(
        registry,
        'docker_up',
        'Whether the Docker daemon answers a ping (1) or not (0)',
        () => this.docker.ping(),
      );
    }
    this.availabilityGauge(registry, 'redis_up', 'Whether Redis answers a ping (1) or not (0)', () =>
      this.redis.ping(),
    );
    this.jobsGauge(registry);
  }

  private catalogueGauges(registry: Registry): void {
    const catalogue = this.catalogue;
    const fromSnapshot = (name: string, help: string, read: (snapshot: CatalogueSnapshot) => number) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers: [registry],
        // Every api process reads the same: a group's scrape takes one (see ProcessGroupMetrics).
        aggregator: 'first',
        collect() {
          const snapshot = catalogue.latest();
          // Never synced: NaN (unknown), not a 0 that reads as an empty host.
          this.set(snapshot ? read(snapshot) : Number.NaN);
        },
      });
    fromSnapshot(
      'catalogue_images',
      'Local images, as `docker image ls` lists them',
      (s) => s.listed().length,
    );
    fromSnapshot(
      'catalogue_layers',
      'Distinct layers (chain ids) of the local images',
      (s) => s.layers.length,
    );
    fromSnapshot(
      'catalogue_size_bytes',
      'Disk space of the local images, each layer once (`docker system df`)',
      (s) => s.diskUsage.totalSize,
    );
    fromSnapshot(
      'catalogue_last_sync_age_seconds',
      'Seconds since the catalogue last synced with the daemon successfully',
      (s) => (Date.now() - s.takenAt.getTime()) / 1000,
    );
    new Gauge({
      name: `${METRIC_PREFIX}catalogue_fresh`,
      help: 'Whether the catalogue follows the daemon’s events and is current (1) or stale (0)',
      registers: [registry],
      aggregator: 'first',
      collect() {
        this.set(catalogue.status().fresh ? 1 : 0);
      },
    });
  }

  private availabilityGauge(registry: Registry, name: string, help: string, ping: () => Promise<void>): void {
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [registry],
      aggregator: 'first',
      async collect() {
        this.set((await succeeds(ping)) ? 1 : 0);
      },
    });
  }

  private jobsGauge(registry: Registry): void {
    const census = this.census;
    new Gauge({
      name: `${METRIC_PREFIX}jobs`,
      help: 'Jobs the queue keeps, by kind (pull, push, load) and state (queued, active, completed, failed, cancelled); finished ones as long as JOB_KEEP_* keeps them',
      labelNames: ['kind', 'state'],
      registers: [registry],
      aggregator: 'first',
      async collect() {
        this.reset();
        // Redis down: no series (stevedore_redis_up says why) rather than a wrong 0.
        const counts = await withTimeout(census.countsByKind(), PROBE_TIMEOUT_MS).catch(() => null);
        if (!counts) return;
        for (const [kind, byState] of Object.entries(counts)) {
          for (const [state, count] of Object.entries(byState)) {
            this.set({ kind: kind.toLowerCase(), state: state.toLowerCase() }, count);
          }
        }
      },
    });
  }
}

async function succeeds(operation: () => Promise<void>): Promise<boolean> {
  try {
    await withTimeout(operation(), PROBE_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}
