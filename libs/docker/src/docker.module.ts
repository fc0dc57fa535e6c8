import { Global, Module } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE } from './docker-engine.port.js';
import { DockerodeEngine } from './dockerode-engine.adapter.js';
import { NoDockerEngine } from './no-docker-engine.js';

/**
 * Provides the DockerEngine port, backed by the daemon that DOCKER_HOST names; in an api that
 * holds no socket (API_DOCKER=false), by one that refuses every call.
 */
@Global()
@Module({
  providers: [
    {
      provide: DOCKER_ENGINE,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) =>
        config.fleet.apiDocker ? new DockerodeEngine(config.docker) : new NoDockerEngine(),
    },
  ],
  exports: [DOCKER_ENGINE],
})
export class DockerModule {}
