import { Module } from '@nestjs/common';
import { JobsModule } from '#libs/jobs';
import { ImageJobsProcessor } from './image-jobs.processor.js';

/** Runs queued image jobs: imported by the worker app, and by the api when the worker is embedded. */
@Module({
  imports: [JobsModule],
  providers: [ImageJobsProcessor],
})
export class JobRunnerModule {}
