import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type StevedoreConfig } from '#libs/config';
import { DockerModule } from '#libs/docker';
import { configuredHostName, FleetKeys, HostAgentModule } from '#libs/fleet';
import { JobRunnerModule } from '#libs/job-runner';
import { loggingModule, wantsPrettyLogs } from '#libs/logging';

/**
 * An agent process: the only holder of its host's Docker socket, connected out to Redis; no HTTP.
 * It serves its host's catalogue and changes (HostAgentModule) and runs its host's job queue.
 */
@Module({})
export class AgentModule {
  static forRoot(config: StevedoreConfig): DynamicModule {
    const agentConfig = withHostQueue(config);
    return {
      module: AgentModule,
      imports: [
        loggingModule({ level: config.logLevel, pretty: wantsPrettyLogs(config.logFormat) }),
        ConfigModule.forRoot(agentConfig),
        DockerModule,
        HostAgentModule,
        JobRunnerModule,
      ],
    };
  }
}

/** The agent works its own host's queue, under the host's keys (its Redis user reaches no other). */
export function withHostQueue(config: StevedoreConfig): StevedoreConfig {
  const queuePrefix = new FleetKeys(config.fleet.keyPrefix).hostQueuePrefix(configuredHostName(config));
  return { ...config, jobs: { ...config.jobs, queuePrefix } };
}
