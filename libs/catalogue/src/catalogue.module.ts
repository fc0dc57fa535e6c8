import { Module } from '@nestjs/common';
import { ImageCatalogue } from './image-catalogue.js';
import { LiveCatalogue } from './live-catalogue.js';

/** The read model of the host's images. Needs DockerModule and ConfigModule (both global). */
@Module({
  providers: [LiveCatalogue, ImageCatalogue],
  exports: [LiveCatalogue, ImageCatalogue],
})
export class CatalogueModule {}
