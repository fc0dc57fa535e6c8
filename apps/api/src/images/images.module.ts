import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { ImagesResolver } from './images.resolver.js';
import { ImagesController } from './rest/images.controller.js';

@Module({
  imports: [CatalogueModule],
  providers: [ImagesResolver],
  controllers: [ImagesController],
})
export class ImagesModule {}
