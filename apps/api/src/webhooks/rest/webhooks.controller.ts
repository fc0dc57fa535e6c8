import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '#libs/auth';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { Serves } from '../../operations/serves.decorator.js';
import { PageArgs } from '../../common/page.args.js';
import { CreateWebhookInput } from '../dto/webhook.args.js';
import {
  CreatedWebhook,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryConnection,
} from '../models/webhook.model.js';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  redeliverWebhook,
  webhookDeliveries,
} from '../webhook.operations.js';
import { deliveriesView, deliveryView, webhookView } from '../webhook-views.js';
import { WebhooksService } from '../webhooks.service.js';

/** The REST mirror of the webhook operations, for platform automation. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1')
export class WebhooksController {
  constructor(private readonly service: WebhooksService) {}

  @Get('webhooks')
  @Serves(listWebhooks)
  @ApiOkResponse({ type: [Webhook] })
  async list(): Promise<Webhook[]> {
    return (await this.service.list()).map(webhookView);
  }

  @Post('webhooks')
  @Serves(createWebhook)
  @ApiCreatedResponse({ type: CreatedWebhook })
  async create(
    @Body() body: CreateWebhookInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedWebhook> {
    const { webhook, secret } = await this.service.create(body, callerOf(caller));
    return { webhook: webhookView(webhook), secret };
  }

  @Delete('webhooks/:id')
  @Serves(deleteWebhook)
  @ApiOkResponse({ type: Boolean })
  remove(@Param('id') id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @Get('webhooks/:webhook/deliveries')
  @Serves(webhookDeliveries)
  @ApiOkResponse({ type: WebhookDeliveryConnection })
  async deliveries(
    @Param('webhook') webhook: string,
    @Query() page: PageArgs,
  ): Promise<WebhookDeliveryConnection> {
    return deliveriesView(await this.service.attempts(webhook, page));
  }

  @Post('webhook-deliveries/:delivery/redeliver')
  @HttpCode(202)
  @Serves(redeliverWebhook)
  @ApiAcceptedResponse({ type: WebhookDelivery })
  async redeliver(@Param('delivery') delivery: string): Promise<WebhookDelivery> {
    return deliveryView(await this.service.redeliver(delivery));
  }
}
