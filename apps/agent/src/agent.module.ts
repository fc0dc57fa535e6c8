import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type StevedoreConfig } from '#libs/config';
import { DockerModule } from '#libs/docker';
import { HostAgentModule } from '#libs/fleet';
import { loggingModule, wantsPrettyLogs } from '#libs/logging';

/** An agent process: the only holder of its host's Docker socket, connected out to Redis; no HTTP. */
@Module({})
export class AgentModule {
  static forRoot(config: StevedoreConfig): DynamicModule {
    return {
      module: AgentModule,
      imports: [
        loggingModule({ level: config.logLevel, pretty: wantsPrettyLogs(config.logFormat) }),
        ConfigModule.forRoot(config),
        DockerModule,
        HostAgentModule,
      ],
    };
  }
}
