import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { IMAGE_QUEUE } from '#libs/jobs';

/** Consumes the image queue. Pull, push and load handlers plug in here as they are built. */
@Processor(IMAGE_QUEUE)
export class ImageJobsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ImageJobsProcessor.name);

  constructor(@Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
    this.logger.log({
      msg: 'worker started',
      queue: IMAGE_QUEUE,
      concurrency: this.config.worker.concurrency,
    });
  }

  async process(job: Job): Promise<unknown> {
    // Retrying cannot help a job nobody knows how to run.
    throw new UnrecoverableError(`No handler for job ${JSON.stringify(job.name)}.`);
  }
}
