import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { QueueUnavailableError } from '#libs/errors';
import { agentVersion } from '#libs/fleet';
import { bullConnection } from '#libs/jobs';
import { CREDENTIAL_SEALER, type CredentialSealer } from '#libs/registry-auth';
import { SIGNATURE_HEADER, signatureOf } from './webhook-signature.js';
import { WebhookSender } from './webhook-sender.js';
import { WEBHOOK_STORE, type StoredDelivery, type WebhookStore } from './webhook-store.port.js';
import { WebhookTargetPolicy } from './webhook-target-policy.js';
import { sealedSecretContext } from './webhook-secrets.js';

const QUEUE = 'deliveries';
const JOB = 'deliver';
/** Deliveries sent at once by one process, over WORKERS BullMQ workers. */
const CONCURRENCY = 64;
const WORKERS = 4;
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 10 * 60_000;

/** What the delivery carries travels with its job: the worker reads it with the job, no round trip more. */
interface DeliveryJobData {
  readonly delivery: StoredDelivery;
}

/** A failure worth another attempt, after the receiver's Retry-After if it gave one. */
class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * Delivery is a BullMQ job per delivery (`<prefix>:{webhooks}` queue), worked in every api
 * process: a process killed mid-delivery leaves its job to another once the lock expires, so
 * each event reaches its receiver at least once, with the same event id for deduplication.
 * Network errors, 5xx and 429 are tried again with exponential backoff and full jitter (or the
 * receiver's Retry-After); another 4xx is final. A delivery's last failure counts against its
 * subscription, which is disabled after WEBHOOK_DISABLE_AFTER_FAILURES in a row.
 */
@Injectable()
export class WebhookDeliveries implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveries.name);
  private readonly queue: Queue<DeliveryJobData>;
  private readonly sender: WebhookSender;
  private readonly userAgent = `Stevedore-Webhooks/${agentVersion()}`;
  private readonly workers: Worker<DeliveryJobData>[] = [];

  constructor(
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
    private readonly policy: WebhookTargetPolicy,
  ) {
    this.queue = new Queue<DeliveryJobData>(QUEUE, {
      connection: bullConnection(config.redis),
      prefix: this.prefix,
    });
    this.queue.on('error', () => undefined);
    this.sender = new WebhookSender(policy);
  }

  private get prefix(): string {
    return `${this.config.fleet.keyPrefix}:{webhooks}`;
  }

  /**
   * Several BullMQ workers: one takes its jobs one round trip at a time, so the 50 deliveries of
   * an event would wait in line for their turn; WORKERS of them take theirs side by side.
   */
  onApplicationBootstrap(): void {
    for (let index = 0; index < WORKERS; index++) {
      const worker = new Worker<DeliveryJobData>(QUEUE, (job) => this.deliver(job), {
        connection: bullConnection(this.config.redis),
        prefix: this.prefix,
        concurrency: CONCURRENCY / WORKERS,
        lockDuration: this.config.jobs.lockMs,
        stalledInterval: this.config.jobs.lockMs,
        settings: { backoffStrategy: (attemptsMade, _type, error) => retryDelay(attemptsMade, error) },
      });
      worker.on('error', (error) =>
        this.logger.warn({ message: 'webhook worker error', error: String(error) }),
      );
      this.workers.push(worker);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.close().catch(() => undefined)));
    await this.queue.close().catch(() => undefined);
    await this.sender.close().catch(() => undefined);
  }

  /**
   * Queues deliveries, in two round trips however many (an event with 50 subscriptions is told to
   * all at once). A delivery's id is its job's id: one another process queued for the same event
   * is the same job, queued once.
   */
  async enqueue(deliveries: readonly StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      await this.store.saveDeliveries(deliveries);
      await this.queue.addBulk(
        deliveries.map((delivery) => ({
          name: JOB,
          data: { delivery },
          opts: {
            jobId: delivery.id,
            attempts: this.config.webhooks.maxAttempts,
            backoff: { type: 'webhook' },
            removeOnComplete: { age: 3600, count: 10_000 },
            removeOnFail: { age: 24 * 3600, count: 10_000 },
          },
        })),
      );
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  private async deliver(job: Job<DeliveryJobData>): Promise<void> {
    const { delivery } = job.data;
    const { id: deliveryId, webhookId } = delivery;
    const webhook = await this.store.get(webhookId);
    // Removed or disabled: nothing more to send.
    if (!webhook || webhook.disabled) return;
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const at = new Date();
    const result = await this.attempt(webhook.url, webhook.sealedSecret, webhookId, delivery);
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const retryable =
      !result.final && (result.status === null || result.status === 429 || result.status >= 500);
    const outcome = ok ? 'succeeded' : retryable && !last ? 'will-retry' : 'failed';
    await this.store.recordAttempt(
      webhookId,
      {
        id: deliveryId,
        eventId: delivery.eventId,
        event: delivery.event,
        attempt,
        status: result.status,
        durationMs: result.durationMs,
        error: result.error,
        at,
      },
      outcome,
      this.config.webhooks.disableAfterFailures,
    );
    if (ok) return;
    if (!retryable) throw new UnrecoverableError(result.error ?? 'refused');
    throw new RetryableDeliveryError(result.error ?? 'failed', result.retryAfterMs);
  }

  private async attempt(url: string, sealedSecret: string, webhookId: string, delivery: StoredDelivery) {
    // The target is checked on each delivery: the allow list may have changed since.
    const refusal = this.policy.refusalOf(url);
    if (refusal) return { status: null, durationMs: 0, error: refusal, retryAfterMs: null, final: true };
    let secret: string | undefined;
    try {
      secret = this.sealer.unseal(sealedSecret, sealedSecretContext(webhookId)).identityToken;
    } catch {
      secret = undefined;
    }
    if (!secret) {
      // Another process's credential key (STEVEDORE_CREDENTIALS_KEY must be shared): never unsigned.
      const error = 'the signing secret does not open with this process’s credential key';
      return { status: null, durationMs: 0, error, retryAfterMs: null, final: true };
    }
    const headers = {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'user-agent': this.userAgent,
      [SIGNATURE_HEADER]: signatureOf(secret, Math.floor(Date.now() / 1000), delivery.body),
      'stevedore-webhook-id': webhookId,
      'stevedore-delivery-id': delivery.id,
      'stevedore-event-id': delivery.eventId,
    };
    const result = await this.sender.send(url, headers, delivery.body, this.config.webhooks.timeoutMs);
    return { ...result, final: result.refused };
  }
}

/** Exponential with full jitter, from 1 s up to 10 min; the receiver's Retry-After when it gave one. */
export function retryDelay(attemptsMade: number, error?: Error, random = Math.random): number {
  const retryAfter = error instanceof RetryableDeliveryError ? error.retryAfterMs : null;
  if (retryAfter !== null) return Math.min(Math.max(retryAfter, FIRST_RETRY_MS / 2), LONGEST_RETRY_MS);
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(FIRST_RETRY_MS / 2 + random() * (ceiling - FIRST_RETRY_MS / 2));
}
