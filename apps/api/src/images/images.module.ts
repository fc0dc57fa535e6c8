import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { JobsApiModule } from '../jobs/jobs.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { ImageChangesResolver } from './image-changes.resolver.js';
import { ImageChangesModule } from '#libs/image-changes';
import { HostImageChanges } from './host-image-changes.js';
import { ImageEventsResolver } from './image-events.resolver.js';
import { ImagesResolver } from './images.resolver.js';
import { LayersResolver } from './layers.resolver.js';
import { ContainerUsageLoader } from './container-usage.loader.js';
import { ImageChangesController } from './rest/image-changes.controller.js';
import { ImageExport } from './image-export.js';
import { ImagesController } from './rest/images.controller.js';
import { StorageController } from './rest/storage.controller.js';

@Module({
  // RegistriesModule: the update checks' findings, for `images(filter: { updateAvailable })`.
  imports: [CatalogueModule, ImageChangesModule, RegistriesModule, JobsApiModule],
  providers: [
    ContainerUsageLoader,
    ImagesResolver,
    LayersResolver,
    ImageEventsResolver,
    HostImageChanges,
    ImageChangesResolver,
    ImageExport,
  ],
  controllers: [ImagesController, StorageController, ImageChangesController],
  exports: [HostImageChanges, ImageExport],
})
export class ImagesModule {}
