import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { IMAGE_QUEUE } from './queue.constants.js';
import { bullConnection } from './redis-connection.js';
import { RedisProbe } from './redis-probe.js';

/** Connects to Redis and registers the image queue, for producers (api) and consumers (worker) alike. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => ({ connection: bullConnection(config.redis.url) }),
    }),
    BullModule.registerQueue({ name: IMAGE_QUEUE }),
  ],
  providers: [RedisProbe],
  exports: [BullModule, RedisProbe],
})
export class JobsModule {}
