import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { JobsModule as JobQueueModule } from '#libs/jobs';
import { ImageJobsService } from './image-jobs.service.js';
import { JobUpdates } from './job-updates.js';
import { JobsResolver } from './jobs.resolver.js';
import { JobsController } from './rest/jobs.controller.js';

/** Pull and push jobs over GraphQL and REST: queueing, reading, cancelling, following. */
@Module({
  imports: [JobQueueModule, CatalogueModule],
  providers: [ImageJobsService, JobUpdates, JobsResolver],
  controllers: [JobsController],
})
export class JobsApiModule {}
