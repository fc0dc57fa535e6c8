import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ImageChangesModule } from '#libs/image-changes';
import { JobsModule } from '#libs/jobs';
import { RegistryModule } from '#libs/registry';
import { CheckUpdatesJobHandler } from './handlers/check-updates-job.handler.js';
import { CopyJobHandler } from './handlers/copy-job.handler.js';
import { ImageJobWorker } from './image-job-worker.js';
import { UpdateCheckScheduler } from './update-check-scheduler.js';
import { LoadJobHandler } from './handlers/load-job.handler.js';
import { PullJobHandler } from './handlers/pull-job.handler.js';
import { PushJobHandler } from './handlers/push-job.handler.js';
import { RemoveJobHandler } from './handlers/remove-job.handler.js';

/** Runs queued image jobs: imported by the worker app, and by the api when the worker is embedded. */
@Module({
  // ImageChangesModule: a REMOVE job makes the same change as removeImage, with the same checks.
  imports: [JobsModule, DiscoveryModule, RegistryModule, ImageChangesModule],
  providers: [
    ImageJobWorker,
    PullJobHandler,
    PushJobHandler,
    LoadJobHandler,
    CheckUpdatesJobHandler,
    CopyJobHandler,
    RemoveJobHandler,
    UpdateCheckScheduler,
  ],
})
export class JobRunnerModule {}
