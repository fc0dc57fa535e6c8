import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { ImageChangesService } from './image-changes.service.js';

/** Changes to the images of this process's daemon. Needs DockerModule and ConfigModule (both global). */
@Module({
  imports: [CatalogueModule],
  providers: [ImageChangesService],
  exports: [ImageChangesService],
})
export class ImageChangesModule {}
