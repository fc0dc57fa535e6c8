import { Module } from '@nestjs/common';
import { WebhooksModule } from '#libs/webhooks';
import { JobsApiModule } from '../jobs/jobs.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { WebhooksController } from './rest/webhooks.controller.js';
import { WebhookEvents } from './webhook-events.js';
import { WebhooksResolver } from './webhooks.resolver.js';
import { WebhooksService } from './webhooks.service.js';

/** Webhooks over GraphQL and REST, and the events that feed them. */
@Module({
  imports: [WebhooksModule, JobsApiModule, RegistriesModule],
  providers: [WebhooksService, WebhookEvents, WebhooksResolver],
  controllers: [WebhooksController],
})
export class WebhooksApiModule {}
