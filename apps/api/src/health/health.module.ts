import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JobsModule } from '#libs/jobs';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, JobsModule],
  controllers: [HealthController],
})
export class HealthModule {}
