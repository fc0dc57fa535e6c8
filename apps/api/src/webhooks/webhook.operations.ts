import { declareOperation } from '../operations/operation.js';

/** Webhooks are an admin's: they make Stevedore call out, and their history shows what it sent. */

export const listWebhooks = declareOperation({
  name: 'webhooks',
  effect: 'read',
  role: 'admin',
  summary: 'Lists the webhook subscriptions, with their last delivery and failures (admin role)',
  errors: ['QUEUE_UNAVAILABLE'],
});

export const webhookDeliveries = declareOperation({
  name: 'webhookDeliveries',
  effect: 'read',
  role: 'admin',
  summary: "A webhook's delivery attempts, newest first: status and duration of each (admin role)",
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const createWebhook = declareOperation({
  name: 'createWebhook',
  effect: 'change',
  role: 'admin',
  summary: 'Subscribes a URL to events; answers its signing secret, once (admin role)',
  description:
    'The URL is checked against WEBHOOK_ALLOWED_TARGETS and WEBHOOK_REFUSED_TARGETS (by default no loopback, link-local or cloud metadata address). Each delivery is a CloudEvents 1.0 JSON body signed in the Stevedore-Signature header with the secret answered here, and never shown again.',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const deleteWebhook = declareOperation({
  name: 'deleteWebhook',
  effect: 'change',
  role: 'admin',
  summary: 'Removes a webhook subscription and its history; false when there was none (admin role)',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const redeliverWebhook = declareOperation({
  name: 'redeliverWebhook',
  effect: 'change',
  role: 'admin',
  summary: 'Sends a delivery again, the same event and body, as a new delivery (admin role)',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});
