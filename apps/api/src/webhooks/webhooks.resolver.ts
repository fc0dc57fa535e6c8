import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Principal } from '#libs/auth';
import { callerOf, CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { Serves } from '../operations/serves.decorator.js';
import {
  CreateWebhookArgs,
  RedeliverWebhookArgs,
  WebhookDeliveriesArgs,
  WebhookIdArgs,
} from './dto/webhook.args.js';
import {
  CreatedWebhook,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryConnection,
} from './models/webhook.model.js';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  redeliverWebhook,
  webhookDeliveries,
} from './webhook.operations.js';
import { deliveriesView, deliveryView, webhookView } from './webhook-views.js';
import { WebhooksService } from './webhooks.service.js';

@Resolver(() => Webhook)
export class WebhooksResolver {
  constructor(private readonly service: WebhooksService) {}

  @Query(() => [Webhook], { description: listWebhooks.summary })
  @Serves(listWebhooks)
  async webhooks(): Promise<Webhook[]> {
    return (await this.service.list()).map(webhookView);
  }

  @Query(() => WebhookDeliveryConnection, { description: webhookDeliveries.summary })
  @Serves(webhookDeliveries)
  async webhookDeliveries(@Args() args: WebhookDeliveriesArgs): Promise<WebhookDeliveryConnection> {
    return deliveriesView(await this.service.attempts(args.webhook, args));
  }

  @Mutation(() => CreatedWebhook, { description: createWebhook.description })
  @Serves(createWebhook)
  async createWebhook(
    @Args() { input }: CreateWebhookArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedWebhook> {
    const { webhook, secret } = await this.service.create(input, callerOf(caller));
    return { webhook: webhookView(webhook), secret };
  }

  @Mutation(() => Boolean, { description: deleteWebhook.summary })
  @Serves(deleteWebhook)
  deleteWebhook(@Args() { id }: WebhookIdArgs): Promise<boolean> {
    return this.service.delete(id);
  }

  @Mutation(() => WebhookDelivery, { description: redeliverWebhook.summary })
  @Serves(redeliverWebhook)
  async redeliverWebhook(@Args() { delivery }: RedeliverWebhookArgs): Promise<WebhookDelivery> {
    return deliveryView(await this.service.redeliver(delivery));
  }
}
