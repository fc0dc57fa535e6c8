/** What a subscription can ask for, as the contract's `Webhook.events` names them. */
export const WEBHOOK_EVENT_TYPES = [
  'job.completed',
  'job.failed',
  'job.cancelled',
  'image.pull',
  'image.push',
  'image.tag',
  'image.untag',
  'image.delete',
  'image.load',
  'update.available',
  'host.online',
  'host.offline',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(name: string): name is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(name);
}

/**
 * Something that happened, once, whichever api process noticed it: `id` derives from what
 * happened (a job's id and final state, an image event's time and names), so that every process
 * that sees it makes the same event, and a receiver can drop a second delivery by id.
 */
export interface WebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly time: Date;
  /** The host it happened on; a subscription's `host` filter matches it. */
  readonly host: string | null;
  /** The image reference it concerns; a subscription's `reference` glob matches it. */
  readonly reference: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The CloudEvents `type` prefix: reverse DNS, as the specification asks. */
export const CLOUD_EVENT_TYPE_PREFIX = 'dev.stevedore.';

/**
 * The body of a delivery: CloudEvents 1.0 in structured JSON mode (`application/cloudevents+json`),
 * which receivers and their libraries already read.
 */
export function cloudEventOf(event: WebhookEvent) {
  return {
    specversion: '1.0',
    id: event.id,
    source: event.host ? `/stevedore/hosts/${encodeURIComponent(event.host)}` : '/stevedore',
    type: `${CLOUD_EVENT_TYPE_PREFIX}${event.type}`,
    time: event.time.toISOString(),
    ...(event.reference ? { subject: event.reference } : {}),
    datacontenttype: 'application/json',
    data: event.data,
  };
}
