import { Module } from '@nestjs/common';
import { ImageCatalogue } from './image-catalogue.js';

/** The read model of the host's images. Needs DockerModule (global) for the engine port. */
@Module({
  providers: [ImageCatalogue],
  exports: [ImageCatalogue],
})
export class CatalogueModule {}
