import type { Page } from '#libs/pagination';
import type { WebhookEventType } from './webhook-event.js';

/** A subscription as kept: what it asks for, and how its deliveries have gone. */
export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  /** A glob over the event's image reference (`acme/*`); null: every reference. */
  readonly reference: string | null;
  readonly host: string | null;
  /** The signing secret, sealed: only the delivery worker opens it. */
  readonly sealedSecret: string;
  readonly createdAt: Date;
  readonly createdBy: string;
  /** Deliveries failed in a row (every attempt spent, or refused for good); 0 after a success. */
  readonly failures: number;
  readonly disabled: boolean;
  readonly lastDelivery: DeliveryAttempt | null;
}

/** One attempt to deliver one event to one subscription. */
export interface DeliveryAttempt {
  /** The delivery: one event to one subscription, over its attempts; what `redeliverWebhook` names. */
  readonly id: string;
  readonly eventId: string;
  readonly event: WebhookEventType;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  readonly status: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly at: Date;
}

/** What a delivery carries, kept so that it can be sent again as it was. */
export interface StoredDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly event: WebhookEventType;
  /** The CloudEvents JSON body, byte for byte as signed. */
  readonly body: string;
}

export type NewWebhook = Omit<WebhookRecord, 'failures' | 'disabled' | 'lastDelivery'>;

export const WEBHOOK_STORE = Symbol('WebhookStore');

/** Subscriptions, their delivery history and what each delivery carried. */
export interface WebhookStore {
  create(webhook: NewWebhook): Promise<WebhookRecord>;
  list(): Promise<WebhookRecord[]>;
  get(id: string): Promise<WebhookRecord | null>;
  /** Its history goes with it; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Keeps what deliveries carry, in one round trip however many. */
  saveDeliveries(deliveries: readonly StoredDelivery[]): Promise<void>;
  delivery(id: string): Promise<StoredDelivery | null>;
  /**
   * Records an attempt in the history. `outcome` says what it meant for the subscription: a
   * success resets its failures, a final failure counts one and disables it at `disableAfter`.
   */
  recordAttempt(
    webhookId: string,
    attempt: DeliveryAttempt,
    outcome: 'succeeded' | 'will-retry' | 'failed',
    disableAfter: number,
  ): Promise<void>;
  attempts(webhookId: string, page: { first: number; after?: string | null }): Promise<Page<DeliveryAttempt>>;
}
