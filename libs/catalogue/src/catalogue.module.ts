import { Module } from '@nestjs/common';
import { LiveCatalogue } from './live-catalogue.js';

/** The read model of the host's images. Needs DockerModule and ConfigModule (both global). */
@Module({
  providers: [LiveCatalogue],
  exports: [LiveCatalogue],
})
export class CatalogueModule {}
