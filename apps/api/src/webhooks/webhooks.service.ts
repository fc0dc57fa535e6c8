import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { compileGlob } from '#libs/catalogue';
import { BadUserInputError } from '#libs/errors';
import { parseHostName } from '#libs/fleet';
import type { Page } from '#libs/pagination';
import { CREDENTIAL_SEALER, type CredentialSealer, validateCredentials } from '#libs/registry-auth';
import {
  isWebhookEventType,
  newSigningSecret,
  sealedSecretContext,
  WEBHOOK_STORE,
  WebhookDeliveries,
  WebhookTargetPolicy,
  type DeliveryAttempt,
  type WebhookRecord,
  type WebhookStore,
} from '#libs/webhooks';

export interface WebhookRequest {
  readonly url: string;
  readonly events: readonly string[];
  readonly reference?: string | null;
  readonly host?: string | null;
}

/** Subscriptions as admins manage them: checked when made, their secret sealed and shown once. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
    private readonly policy: WebhookTargetPolicy,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async create(
    request: WebhookRequest,
    createdBy: string,
  ): Promise<{ webhook: WebhookRecord; secret: string }> {
    const url = await this.policy.checkUrl(request.url);
    const events = [...new Set(request.events)];
    if (events.length === 0) throw new BadUserInputError('events must name at least one event type.');
    const unknown = events.find((event) => !isWebhookEventType(event));
    if (unknown !== undefined) {
      throw new BadUserInputError(`${JSON.stringify(unknown.slice(0, 64))} is not an event type.`);
    }
    const reference = request.reference?.trim() || null;
    if (reference !== null) compileGlob(reference);
    const host = request.host?.trim() ? parseHostName(request.host.trim()) : null;
    const id = randomUUID();
    const secret = newSigningSecret();
    const sealedSecret = this.sealer.seal(
      validateCredentials({ identityToken: secret }),
      sealedSecretContext(id),
    );
    const webhook = await this.store.create({
      id,
      url: url.toString(),
      events: events.filter(isWebhookEventType),
      reference,
      host,
      sealedSecret,
      createdAt: new Date(),
      createdBy,
    });
    return { webhook, secret };
  }

  list(): Promise<WebhookRecord[]> {
    return this.store.list();
  }

  delete(id: string): Promise<boolean> {
    return this.store.delete(id);
  }

  async attempts(
    webhookId: string,
    page: { first: number; after?: string | null },
  ): Promise<Page<DeliveryAttempt>> {
    if (!(await this.store.get(webhookId)))
      throw new BadUserInputError(`No webhook has the id ${JSON.stringify(webhookId)}.`);
    return this.store.attempts(webhookId, page);
  }

  /** The same event and body again, as a new delivery of its own (its attempts counted afresh). */
  async redeliver(deliveryId: string): Promise<DeliveryAttempt> {
    const delivery = await this.store.delivery(deliveryId);
    const webhook = delivery ? await this.store.get(delivery.webhookId) : null;
    if (!delivery || !webhook) {
      throw new BadUserInputError(
        `No delivery has the id ${JSON.stringify(deliveryId)} (deliveries are kept a week, and go with their webhook).`,
      );
    }
    if (webhook.disabled) {
      throw new BadUserInputError(
        `Webhook ${webhook.id} is disabled after ${webhook.failures} failed deliveries in a row: nothing is sent to it. Subscribe the URL again once it answers.`,
      );
    }
    const again = { ...delivery, id: `${delivery.webhookId}.${delivery.eventId}.again-${Date.now()}` };
    await this.deliveries.enqueue([again]);
    return {
      id: again.id,
      eventId: again.eventId,
      event: again.event,
      attempt: 0,
      status: null,
      durationMs: null,
      error: null,
      at: new Date(),
    };
  }
}
