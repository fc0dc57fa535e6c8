import { Module, type DynamicModule } from '@nestjs/common';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLModule } from '@nestjs/graphql';
import type { DestinationStream } from 'pino';
import { ConfigModule, STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { type ApiToken } from '#libs/auth';
import { DockerModule } from '#libs/docker';
import { JobRunnerModule } from '#libs/job-runner';
import { JobsModule } from '#libs/jobs';
import { loggingModule } from '#libs/logging';
import { RateLimitModule } from '#libs/rate-limit';
import { QueueDashboardModule } from './admin/queue-dashboard.module.js';
import { AuditApiModule } from './audit/audit-api.module.js';
import { RegistriesModule } from './registries/registries.module.js';
import { AuthModule } from './auth/auth.module.js';
import { currentRequestId } from './errors/request-id.js';
import { graphqlOptions } from './graphql/graphql.options.js';
import { GraphqlIdeModule } from './graphql/ide/graphql-ide.module.js';
import { WebSocketGateModule } from './graphql/websocket-gate.module.js';
import { FleetApiModule } from './fleet/fleet-api.module.js';
import { HealthModule } from './health/health.module.js';
import { EngineApiModule } from './engine/engine-api.module.js';
import { WebhooksApiModule } from './webhooks/webhooks-api.module.js';
import { ImagesModule } from './images/images.module.js';
import { JobsApiModule } from './jobs/jobs.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { AdmissionChain } from './operations/admission-chain.js';
import { AdmissionModule } from './operations/admission.module.js';
import { ShutdownModule } from './shutdown/shutdown.module.js';

@Module({})
export class AppModule {
  static forRoot(
    config: StevedoreConfig,
    tokens: readonly ApiToken[],
    options: { logDestination?: DestinationStream; prettyLogs?: boolean } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        loggingModule({
          level: config.logLevel,
          destination: options.logDestination,
          pretty: options.prettyLogs,
          // Every line logged while serving an HTTP request carries its id.
          fieldsOf: () => {
            const requestId = currentRequestId();
            return requestId === undefined ? undefined : { requestId };
          },
        }),
        ConfigModule.forRoot(config),
        ShutdownModule,
        DockerModule,
        JobsModule,
        AuthModule.forTokens(tokens),
        RateLimitModule,
        AdmissionModule,
        GraphQLModule.forRootAsync<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          inject: [STEVEDORE_CONFIG, AdmissionChain],
          useFactory: graphqlOptions,
        }),
        // graphql-ws on /graphql, behind the gate (Mercurius serves HTTP only).
        WebSocketGateModule,
        FleetApiModule.forRoot(config),
        ImagesModule,
        EngineApiModule,
        WebhooksApiModule,
        JobsApiModule,
        AuditApiModule,
        RegistriesModule,
        HealthModule,
        GraphqlIdeModule,
        MetricsModule,
        QueueDashboardModule,
        ...(config.worker.embedded ? [JobRunnerModule] : []),
      ],
    };
  }
}
