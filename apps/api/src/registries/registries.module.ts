import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { JobsModule as JobQueueModule } from '#libs/jobs';
import { RegistryModule } from '#libs/registry';
import { RegistriesService } from './registries.service.js';
import { RegistriesResolver, RemoteTagResolver, RepositoryResolver } from './registries.resolver.js';
import { RegistriesController } from './rest/registries.controller.js';
import { ImageUpdatesController } from './updates/image-updates.controller.js';
import { ImageUpdatesResolver } from './updates/image-updates.resolver.js';
import { ImageUpdatesService } from './updates/image-updates.service.js';

/** Registries over GraphQL and REST: browse what they hold, manage the named ones, check local images for updates. */
@Module({
  imports: [RegistryModule, JobQueueModule, CatalogueModule],
  providers: [
    RegistriesService,
    RegistriesResolver,
    RepositoryResolver,
    RemoteTagResolver,
    ImageUpdatesService,
    ImageUpdatesResolver,
  ],
  exports: [ImageUpdatesService, RegistriesService],
  controllers: [RegistriesController, ImageUpdatesController],
})
export class RegistriesModule {}
