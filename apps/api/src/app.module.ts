import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { TokenAuthenticator } from '#libs/auth';
import { ConfigModule, STEVEDORE_CONFIG, type ApiToken, type StevedoreConfig } from '#libs/config';
import { DockerModule } from '#libs/docker';
import { JobRunnerModule } from '#libs/job-runner';
import { JobsModule } from '#libs/jobs';
import { AuditApiModule } from './audit/audit-api.module.js';
import { AuthModule, mountAuthentication } from './auth/auth.module.js';
import { graphqlOptions } from './graphql/graphql.options.js';
import { HealthModule } from './health/health.module.js';
import { ImagesModule } from './images/images.module.js';
import { JobsApiModule } from './jobs/jobs.module.js';

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: StevedoreConfig, tokens: readonly ApiToken[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DockerModule,
        JobsModule,
        AuthModule.forTokens(tokens),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [TokenAuthenticator, STEVEDORE_CONFIG],
          useFactory: graphqlOptions,
        }),
        ImagesModule,
        JobsApiModule,
        AuditApiModule,
        HealthModule,
        ...(config.worker.embedded ? [JobRunnerModule] : []),
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    mountAuthentication(consumer);
  }
}
