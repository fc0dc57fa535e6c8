import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisTarget } from '#libs/redis';
import { QueueUnavailableError } from '#libs/errors';
import { FleetKeys } from '../host-keys.js';
import { decodeNotice, decodeState, encodeNoticeEvents, encodeState } from './catalogue-wire.js';
import type { CatalogueNotice } from './catalogue-wire.js';
import type { CataloguePublication, HostCatalogueStore } from './host-catalogue-store.port.js';

/** Facts per HMGET round trip. */
const FACTS_PER_READ = 1_000;
/**
 * The largest state the api reads (about 100,000 images): an agent's keys are its own to fill,
 * and a larger one is refused before it is read, not parsed on the event loop.
 */
const MAX_STATE_BYTES = 64 * 1024 ** 2;
/** The largest facts of one image the api reads (an image's inspect and history are a few KB). */
const MAX_FACTS_BYTES = 1024 ** 2;

/**
 * One publication, atomically: readers never see a state whose images' facts are not there yet,
 * and the notice leaves with the version it announces. Only the host's own keys are touched, so
 * it runs under the agent's ACL user. The notice is assembled here so its version is the one
 * just made.
 *
 * A version is the Redis server's clock in milliseconds, or one more than the last where that is
 * not past it: it grows across a Sentinel failover too, where a counter would count again from
 * whatever the replica had received, and repeat numbers the api already holds for other content.
 *
 * KEYS: catalogue hash, facts hash. ARGV: state, events (JSON array), channel, replace ('1'/'0'),
 * number of facts to add, then (id, facts) pairs, then the ids to drop.
 */
const PUBLISH_SCRIPT = `
if ARGV[4] == '1' then redis.call('DEL', KEYS[2]) end
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
local now = redis.call('TIME')
local stamp = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local version = math.max(tonumber(redis.call('HGET', KEYS[1], 'version') or '0') + 1, stamp)
local text = string.format('%d', version)
redis.call('HSET', KEYS[1], 'version', text, 'state', ARGV[1])
redis.call('PUBLISH', ARGV[3], '{"version":' .. text .. ',"events":' .. ARGV[2] .. '}')
return version
`;

/** The host catalogue store on Redis: a hash and a facts hash per host, and a channel per host. */
export class RedisHostCatalogueStore implements HostCatalogueStore {
  private readonly redis: Redis;
  private subscriber: Redis | null = null;

  constructor(
    private readonly redisUrl: RedisTarget,
    private readonly keys = new FleetKeys(),
  ) {
    this.redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async publish(host: string, publication: CataloguePublication): Promise<number> {
    const args: string[] = [
      encodeState(publication.state),
      encodeNoticeEvents(publication.events),
      this.keys.hostChanges(host),
      publication.replaceFacts ? '1' : '0',
      String(publication.addFacts.size),
    ];
    for (const [id, facts] of publication.addFacts) args.push(id, facts);
    if (!publication.replaceFacts) args.push(...publication.dropFacts);
    const version = await this.guard(() =>
      this.redis.eval(
        PUBLISH_SCRIPT,
        2,
        this.keys.hostCatalogue(host),
        this.keys.hostImageFacts(host),
        ...args,
      ),
    );
    return Number(version);
  }

  async read(host: string) {
    const key = this.keys.hostCatalogue(host);
    const [version, size] = await this.guard(() =>
      Promise.all([this.redis.hget(key, 'version'), this.redis.hstrlen(key, 'state')]),
    );
    if (version === null || !Number.isSafeInteger(Number(version))) return null;
    if (size > MAX_STATE_BYTES) return { version: Number(version), state: null };
    const state = await this.guard(() => this.redis.hget(key, 'state'));
    return { version: Number(version), state: state === null ? null : decodeState(state) };
  }

  async versions(hosts: readonly string[]): Promise<Map<string, number>> {
    if (hosts.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const host of hosts) pipeline.hget(this.keys.hostCatalogue(host), 'version');
    const answers = (await this.guard(() => pipeline.exec())) ?? [];
    return new Map(hosts.map((host, index) => [host, Number(answers[index]?.[1] ?? 0) || 0]));
  }

  async readFacts(host: string, ids: readonly string[]): Promise<Map<string, string>> {
    const facts = new Map<string, string>();
    for (let start = 0; start < ids.length; start += FACTS_PER_READ) {
      const sizes = this.redis.pipeline();
      for (const id of ids.slice(start, start + FACTS_PER_READ))
        sizes.hstrlen(this.keys.hostImageFacts(host), id);
      const measured = (await this.guard(() => sizes.exec())) ?? [];
      const batch = ids
        .slice(start, start + FACTS_PER_READ)
        .filter((_, index) => Number(measured[index]?.[1] ?? 0) <= MAX_FACTS_BYTES);
      if (batch.length === 0) continue;
      const values = await this.guard(() => this.redis.hmget(this.keys.hostImageFacts(host), ...batch));
      batch.forEach((id, index) => {
        const value = values[index];
        if (value !== null && value !== undefined) facts.set(id, value);
      });
    }
    return facts;
  }

  async follow(handlers: {
    onNotice: (host: string, notice: CatalogueNotice) => void;
    onResubscribed: () => void;
  }): Promise<void> {
    if (this.subscriber) throw new Error('already following');
    // A subscribed connection may issue no other command: it gets its own. Its retries are
    // unbounded: the api keeps following however long Redis is away.
    const subscriber = createRedisClient(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const host = this.keys.hostOfChanges(channel);
      const notice = host === null ? null : decodeNotice(message);
      if (host !== null && notice !== null) handlers.onNotice(host, notice);
    });
    let subscribedOnce = false;
    // ioredis subscribes again by itself after a reconnection, and then says 'ready'.
    subscriber.on('ready', () => {
      if (subscribedOnce) handlers.onResubscribed();
    });
    try {
      await this.guard(() => subscriber.psubscribe(this.keys.changesPattern()));
    } catch (error) {
      // Not following: a later call may try again.
      subscriber.disconnect();
      this.subscriber = null;
      throw error;
    }
    subscribedOnce = true;
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await closeRedisClient(this.redis);
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new QueueUnavailableError('while reading or publishing a host catalogue', { cause: error });
    }
  }
}
