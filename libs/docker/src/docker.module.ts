import { Global, Module } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE } from './docker-engine.port.js';
import { DockerodeEngine } from './dockerode-engine.adapter.js';

/** Provides the DockerEngine port, backed by the daemon that DOCKER_HOST names. */
@Global()
@Module({
  providers: [
    {
      provide: DOCKER_ENGINE,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => new DockerodeEngine(config.docker),
    },
  ],
  exports: [DOCKER_ENGINE],
})
export class DockerModule {}
