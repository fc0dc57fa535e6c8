import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type StevedoreConfig } from '#libs/config';
import { DockerModule } from '#libs/docker';
import { JobRunnerModule } from '#libs/job-runner';
import { loggingModule, wantsPrettyLogs } from '#libs/logging';

/** A worker process: the job runner with its Docker and Redis connections, no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: StevedoreConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        loggingModule({ level: config.logLevel, pretty: wantsPrettyLogs(config.logFormat) }),
        ConfigModule.forRoot(config),
        DockerModule,
        JobRunnerModule,
      ],
    };
  }
}
