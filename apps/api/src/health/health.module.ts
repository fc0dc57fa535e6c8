import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CatalogueModule } from '#libs/catalogue';
import { JobsModule } from '#libs/jobs';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, JobsModule, CatalogueModule],
  controllers: [HealthController],
})
export class HealthModule {}
