import type { Page } from '#libs/pagination';
import type { DeliveryAttempt, WebhookRecord } from '#libs/webhooks';
import type { Webhook, WebhookDelivery, WebhookDeliveryConnection } from './models/webhook.model.js';

/** A subscription as answered: never its secret, sealed or not. */
export function webhookView(record: WebhookRecord): Webhook {
  return {
    id: record.id,
    url: record.url,
    events: [...record.events],
    reference: record.reference,
    host: record.host,
    disabled: record.disabled,
    failures: record.failures,
    lastDelivery: record.lastDelivery ? deliveryView(record.lastDelivery) : null,
  };
}

export function deliveryView(attempt: DeliveryAttempt): WebhookDelivery {
  return { ...attempt };
}

export function deliveriesView(page: Page<DeliveryAttempt>): WebhookDeliveryConnection {
  return { nodes: page.nodes.map(deliveryView), pageInfo: { ...page.pageInfo } };
}
