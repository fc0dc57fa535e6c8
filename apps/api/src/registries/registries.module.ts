import { Module } from '@nestjs/common';
import { RegistryModule } from '#libs/registry';
import { RegistriesService } from './registries.service.js';
import { RegistriesResolver, RemoteTagResolver, RepositoryResolver } from './registries.resolver.js';
import { RegistriesController } from './rest/registries.controller.js';

/** Registries over GraphQL and REST: browse what they hold, and manage the named ones. */
@Module({
  imports: [RegistryModule],
  providers: [RegistriesService, RegistriesResolver, RepositoryResolver, RemoteTagResolver],
  controllers: [RegistriesController],
})
export class RegistriesModule {}
