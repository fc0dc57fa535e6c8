import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { RegistryModule } from '#libs/registry';
import { ImagesModule } from '../images/images.module.js';
import { JobsApiModule } from '../jobs/jobs.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { EngineApi } from './engine-api.js';
import { EngineImageChangeHandlers } from './engine-image-changes.handlers.js';
import { EngineImageReadHandlers } from './engine-image-reads.handlers.js';
import { EngineSystemHandlers } from './engine-system.handlers.js';
import { EngineTransferHandlers } from './engine-transfers.handlers.js';

/** The image part of the Docker Engine API, for the unmodified docker CLI and SDKs. */
@Module({
  imports: [CatalogueModule, RegistryModule, ImagesModule, JobsApiModule, RegistriesModule],
  providers: [
    EngineApi,
    EngineSystemHandlers,
    EngineImageReadHandlers,
    EngineImageChangeHandlers,
    EngineTransferHandlers,
  ],
})
export class EngineApiModule {}
