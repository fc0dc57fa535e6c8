import { Controller, Get, Headers, Inject, ServiceUnavailableException, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { TokenAuthenticator } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { LiveCatalogue } from '#libs/catalogue';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { JOB_QUEUE, RedisProbe, type JobQueue } from '#libs/jobs';
import { withTimeout } from '../common/with-timeout.js';
import { HealthCheckFilter } from './health-check.filter.js';

const PROBE_TIMEOUT_MS = 2_000;
/** What terminus answers for a check of nothing: liveness asks only that the process answers. */
const LIVE = Object.freeze({ status: 'ok', info: {}, error: {}, details: {} });

/**
 * The probes refuse nothing themselves: their only 4xx answers come from the HTTP layer (Node's
 * parser, the body parsers), for a request it cannot read, before any route runs.
 */
function ApiUnreadableRequestResponse(): MethodDecorator {
  return ApiResponse({
    status: '4XX',
    description:
      'A request the HTTP server cannot read (malformed, too slow, headers or body too large), refused before the probe runs',
  });
}

/**
 * Probes for orchestrators: open to all, but only a caller with a token sees why readiness
 * fails (raw daemon and Redis errors) and the queue's counts; others get the status alone.
 */
@ApiTags('health')
@UseFilters(HealthCheckFilter)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DOCKER_ENGINE) private readonly docker: DockerEngine,
    private readonly redis: RedisProbe,
    private readonly catalogue: LiveCatalogue,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly authenticator: TokenAuthenticator,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  /** The process runs and serves HTTP. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process runs and serves HTTP', security: [] })
  @ApiUnreadableRequestResponse()
  live(): typeof LIVE {
    return LIVE;
  }

  /**
   * Docker and Redis both answer, so every operation can work, and the catalogue follows the
   * daemon's events (down while it resyncs after the stream dropped).
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: Docker, Redis, the queue and the catalogue; details only with a token',
    // Open to all; a token (any role) adds each check's details to the answer.
    security: [{}, { bearer: [] }],
  })
  @ApiHeader({ name: 'authorization', required: false, description: 'Bearer API token, optional' })
  @ApiUnreadableRequestResponse()
  async ready(@Headers('authorization') authorization?: string) {
    const detailed = this.isAuthenticated(authorization);
    try {
      const result = await this.checkReadiness();
      return detailed ? result : { status: result.status };
    } catch (error) {
      if (detailed || !(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException({ status: 'error' });
    }
  }

  private isAuthenticated(authorization: string | undefined): boolean {
    try {
      this.authenticator.authenticate(authorization);
      return true;
    } catch {
      return false;
    }
  }

  /** Without a Docker socket (API_DOCKER=false) the api has no daemon or catalogue of its own to check. */
  private checkReadiness() {
    const ownDaemon = this.config.fleet.apiDocker;
    return this.health.check([
      ...(ownDaemon
        ? [
            () =>
              this.indicators
                .check('docker')
                .attempt(() => this.docker.ping())
                .withTimeout(PROBE_TIMEOUT_MS),
          ]
        : []),
      () =>
        this.indicators
          .check('redis')
          .attempt(() => this.redis.ping())
          .withTimeout(PROBE_TIMEOUT_MS),
      async () => {
        // Job counts by state: the queue's metrics, for dashboards and alerts on a growing backlog.
        const indicator = this.indicators.check('queue');
        try {
          return indicator.up({ ...(await withTimeout(this.queue.counts(), PROBE_TIMEOUT_MS)) });
        } catch {
          return indicator.down();
        }
      },
      ...(ownDaemon ? [() => this.catalogueIndicator()] : []),
    ]);
  }

  private catalogueIndicator() {
    const status = this.catalogue.status();
    const indicator = this.indicators.check('catalogue');
    const details = { images: status.images, lastSyncAt: status.lastSyncAt?.toISOString() ?? null };
    return status.fresh ? indicator.up(details) : indicator.down({ ...details, stale: true });
  }
}
