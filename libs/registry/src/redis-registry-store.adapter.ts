import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisTarget } from '#libs/redis';
import { QueueUnavailableError } from '#libs/errors';
import type { CredentialSealer } from '#libs/registry-auth';
import type { RegistryStore, StoredRegistry } from './registry-store.port.js';

/** One hash: registry name → its entry, credentials sealed with the service's AES-GCM key. */
export const REGISTRIES_KEY = 'stevedore:registries';
/** Binds a sealed blob to its use, so one cannot be moved to another record. */
const SEAL_CONTEXT = 'registry';

interface Row {
  readonly insecure: boolean;
  readonly sealed?: string;
}

export class RedisRegistryStore implements RegistryStore {
  private readonly redis: Redis;

  constructor(
    redisUrl: RedisTarget,
    private readonly sealer: CredentialSealer,
  ) {
    this.redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async list(): Promise<StoredRegistry[]> {
    const rows = await this.guard(() => this.redis.hgetall(REGISTRIES_KEY));
    return Object.entries(rows)
      .map(([name, text]) => this.entryOf(name, text))
      .filter((entry): entry is StoredRegistry => entry !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(registry: StoredRegistry): Promise<void> {
    const row: Row = {
      insecure: registry.insecure,
      sealed: registry.credentials
        ? this.sealer.seal(registry.credentials, { associatedData: `${SEAL_CONTEXT}:${registry.name}` })
        : undefined,
    };
    await this.guard(() => this.redis.hset(REGISTRIES_KEY, registry.name, JSON.stringify(row)));
  }

  async remove(name: string): Promise<boolean> {
    return (await this.guard(() => this.redis.hdel(REGISTRIES_KEY, name))) > 0;
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  /** An entry whose credentials no key opens (a rotated-away key) stays listed, without them. */
  private entryOf(name: string, text: string): StoredRegistry | undefined {
    try {
      const row = JSON.parse(text) as Row;
      let credentials;
      try {
        credentials = row.sealed
          ? this.sealer.unseal(row.sealed, { associatedData: `${SEAL_CONTEXT}:${name}` })
          : undefined;
      } catch {
        credentials = undefined;
      }
      return { name, insecure: row.insecure === true, credentials };
    } catch {
      return undefined;
    }
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new QueueUnavailableError('while reading or changing the registries', { cause: error });
    }
  }
}
