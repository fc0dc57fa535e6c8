import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { FAN_OUT_QUEUE, JOB_QUEUE, JobsModule as JobQueueModule } from '#libs/jobs';
import { FanOutCoordinator } from './fan-out/fan-out-coordinator.js';
import { HostJobQueues } from './host-job-queues.js';
import { OfflineJobReaper } from './offline-job-reaper.js';
import { ImageJobsService } from './image-jobs.service.js';
import { JobUpdates } from './job-updates.js';
import { JobsResolver } from './jobs.resolver.js';
import { JobsController } from './rest/jobs.controller.js';

/** Pull and push jobs over GraphQL and REST: queueing, reading, cancelling, following. */
@Module({
  imports: [JobQueueModule, CatalogueModule],
  // Every host's queue as one: what the api's job operations read and write.
  providers: [
    HostJobQueues,
    { provide: JOB_QUEUE, useExisting: HostJobQueues },
    { provide: FAN_OUT_QUEUE, useExisting: HostJobQueues },
    FanOutCoordinator,
    ImageJobsService,
    JobUpdates,
    JobsResolver,
    OfflineJobReaper,
  ],
  controllers: [JobsController],
  // A removal over several hosts (removeImage with hosts) is a fan-out of jobs.
  exports: [ImageJobsService, JobUpdates, HostJobQueues],
})
export class JobsApiModule {}
