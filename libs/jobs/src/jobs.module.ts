import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { BullJobQueue } from './bull-job-queue.adapter.js';
import { CREDENTIAL_SEALER, credentialSealerProvider } from '#libs/registry-auth';
import { ImportArchiveSweeper } from './import-archive-sweeper.js';
import { ImageQueueEvents } from './image-queue-events.js';
import { ImportArchives } from './import-archives.js';
import { JOB_CENSUS, JOB_QUEUE } from './job-queue.port.js';
import { JobLifecycle } from './lifecycle/job-lifecycle.js';
import { QueueGuard } from './queue-guard.js';
import { IMAGE_QUEUE } from './queue.constants.js';
import { bullConnection } from './redis-connection.js';
import { RedisProbe } from './redis-probe.js';

/** Connects to Redis and registers the image queue, for producers (api) and consumers (worker) alike. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => ({
        connection: bullConnection(config.redis),
        prefix: config.jobs.queuePrefix,
      }),
    }),
    BullModule.registerQueue({ name: IMAGE_QUEUE }),
  ],
  providers: [
    RedisProbe,
    QueueGuard,
    ImageQueueEvents,
    JobLifecycle,
    BullJobQueue,
    { provide: JOB_QUEUE, useExisting: BullJobQueue },
    { provide: JOB_CENSUS, useExisting: BullJobQueue },
    credentialSealerProvider,
    ImportArchives,
    ImportArchiveSweeper,
  ],
  exports: [
    BullModule,
    RedisProbe,
    QueueGuard,
    BullJobQueue,
    JOB_QUEUE,
    JOB_CENSUS,
    JobLifecycle,
    CREDENTIAL_SEALER,
    ImportArchives,
  ],
})
export class JobsModule {}
