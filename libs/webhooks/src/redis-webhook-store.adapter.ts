import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { BadUserInputError, QueueUnavailableError } from '#libs/errors';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, type Page } from '#libs/pagination';
import { closeRedisClient, createRedisClient } from '#libs/redis';
import type {
  DeliveryAttempt,
  NewWebhook,
  StoredDelivery,
  WebhookRecord,
  WebhookStore,
} from './webhook-store.port.js';

/**
 * One attempt, in one round trip: into the history, as the last delivery, and counted against
 * the subscription (reset by a success, disabled at the limit). Nothing for a subscription
 * removed meanwhile, which keeps no history.
 * KEYS: hooks, state, attempts; ARGV: id, attempt JSON, outcome, disable after, history size.
 */
const RECORD_ATTEMPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'attempt', ARGV[2])
redis.call('HSET', KEYS[2], 'last', ARGV[2])
if ARGV[3] == 'succeeded' then redis.call('HSET', KEYS[2], 'failures', '0') end
if ARGV[3] == 'failed' then
  local failures = redis.call('HINCRBY', KEYS[2], 'failures', 1)
  if failures >= tonumber(ARGV[4]) then redis.call('HSET', KEYS[2], 'disabled', '1') end
end
return 1
`;

/** How long what a delivery carried is kept, for a redelivery. */
const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Subscriptions in Redis, all under one hash tag (`<prefix>:{webhooks}:…`), so that a change and
 * its history are one transaction in a Redis Cluster too:
 *
 *   hooks              HASH id → the subscription as made (JSON; its secret sealed)
 *   state:<id>         HASH failures, disabled, last (the last attempt, JSON)
 *   attempts:<id>      STREAM of attempts, capped at WEBHOOK_HISTORY; stream ids are the cursors
 *   delivery:<id>      what a delivery carried (JSON), for a week
 */
@Injectable()
export class RedisWebhookStore implements WebhookStore, OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig) {
    this.redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
    this.prefix = `${config.fleet.keyPrefix}:{webhooks}`;
  }

  async create(webhook: NewWebhook): Promise<WebhookRecord> {
    await this.guard(() => this.redis.hset(this.key('hooks'), webhook.id, JSON.stringify(webhook)));
    return { ...webhook, failures: 0, disabled: false, lastDelivery: null };
  }

  async list(): Promise<WebhookRecord[]> {
    const stored = await this.guard(() => this.redis.hvals(this.key('hooks')));
    const made = stored.map(madeOf).filter((made): made is Made => made !== null);
    const states = await this.guard(() => {
      const pipeline = this.redis.pipeline();
      for (const each of made) pipeline.hgetall(this.key(`state:${each.id}`));
      return pipeline.exec();
    });
    return made
      .map((each, index) => withState(each, (states?.[index]?.[1] ?? {}) as Record<string, string>))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const [stored, state] = await this.guard(() =>
      Promise.all([this.redis.hget(this.key('hooks'), id), this.redis.hgetall(this.key(`state:${id}`))]),
    );
    const made = stored ? madeOf(stored) : null;
    return made ? withState(made, state) : null;
  }

  async delete(id: string): Promise<boolean> {
    const results = await this.guard(() =>
      this.redis
        .multi()
        .hdel(this.key('hooks'), id)
        .del(this.key(`state:${id}`), this.key(`attempts:${id}`))
        .exec(),
    );
    return results?.[0]?.[1] === 1;
  }

  async saveDeliveries(deliveries: readonly StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.guard(() => {
      const pipeline = this.redis.pipeline();
      for (const delivery of deliveries) {
        pipeline.set(
          this.key(`delivery:${delivery.id}`),
          JSON.stringify(delivery),
          'EX',
          DELIVERY_TTL_SECONDS,
        );
      }
      return pipeline.exec();
    });
  }

  async delivery(id: string): Promise<StoredDelivery | null> {
    const stored = await this.guard(() => this.redis.get(this.key(`delivery:${id}`)));
    return stored ? (JSON.parse(stored) as StoredDelivery) : null;
  }

  async recordAttempt(
    webhookId: string,
    attempt: DeliveryAttempt,
    outcome: 'succeeded' | 'will-retry' | 'failed',
    disableAfter: number,
  ): Promise<void> {
    await this.guard(() =>
      this.redis.eval(
        RECORD_ATTEMPT,
        3,
        this.key('hooks'),
        this.key(`state:${webhookId}`),
        this.key(`attempts:${webhookId}`),
        webhookId,
        JSON.stringify(attempt),
        outcome,
        String(disableAfter),
        String(this.config.webhooks.historySize),
      ),
    );
  }

  async attempts(
    webhookId: string,
    page: { first: number; after?: string | null },
  ): Promise<Page<DeliveryAttempt>> {
    if (!Number.isInteger(page.first) || page.first < 0 || page.first > MAX_PAGE_SIZE) {
      throw new BadUserInputError(`first must be a whole number from 0 to ${MAX_PAGE_SIZE}.`);
    }
    const key = this.key(`attempts:${webhookId}`);
    const start = page.after ? `(${streamIdOf(page.after)}` : '+';
    const [rows, totalCount] = await this.guard(() =>
      Promise.all([this.redis.xrevrange(key, start, '-', 'COUNT', page.first + 1), this.redis.xlen(key)]),
    );
    const nodes = rows
      .slice(0, page.first)
      .map(([id, fields]) => ({ streamId: id, attempt: attemptOf(fields) }));
    const last = nodes.at(-1);
    return {
      totalCount,
      nodes: nodes.map((node) => node.attempt),
      pageInfo: {
        hasNextPage: rows.length > page.first,
        endCursor: last ? encodeCursor(`webhook-attempt:${last.streamId}`) : null,
      },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private key(suffix: string): string {
    return `${this.prefix}:${suffix}`;
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      return await operation();
    } catch (error) {
      throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }
}

type Made = Omit<WebhookRecord, 'failures' | 'disabled' | 'lastDelivery'>;

function madeOf(json: string): Made | null {
  try {
    const made = JSON.parse(json) as Made & { createdAt: string };
    return { ...made, createdAt: new Date(made.createdAt) };
  } catch {
    return null;
  }
}

function withState(made: Made, state: Record<string, string>): WebhookRecord {
  return {
    ...made,
    failures: Number(state.failures ?? 0),
    disabled: state.disabled === '1',
    lastDelivery: state.last ? attemptFromJson(state.last) : null,
  };
}

function attemptOf(fields: string[]): DeliveryAttempt {
  return attemptFromJson(fields[fields.indexOf('attempt') + 1] ?? '{}');
}

function attemptFromJson(json: string): DeliveryAttempt {
  const attempt = JSON.parse(json) as DeliveryAttempt & { at: string };
  return { ...attempt, at: new Date(attempt.at) };
}

function streamIdOf(cursor: string): string {
  const key = decodeCursor(cursor);
  const id = key.startsWith('webhook-attempt:') ? key.slice('webhook-attempt:'.length) : '';
  if (!/^\d+-\d+$/.test(id))
    throw new BadUserInputError('The cursor does not belong to this delivery history.');
  return id;
}
