import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisTarget } from '#libs/redis';
import { z } from 'zod';
import { QueueUnavailableError } from '#libs/errors';
import type { HostDirectory } from './host-directory.port.js';
import { FleetKeys } from './host-keys.js';
import { parseHostName } from './host-name.js';
import type { EngineInfo, HostRecord, HostRegistration } from './host-record.js';

/** Keys per SCAN round trip while listing hosts. */
const SCAN_COUNT = 500;

/**
 * The host directory in Redis: one hash per host under the host's own keys (see FleetKeys), so an
 * agent whose ACL user reaches only its host's keys can register and heartbeat, and nothing else.
 */
export class RedisHostDirectory implements HostDirectory {
  private readonly redis: Redis;

  constructor(
    redisUrl: RedisTarget,
    private readonly keys = new FleetKeys(),
  ) {
    this.redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async register(
    host: HostRegistration,
    { engineReachable, at }: { engineReachable: boolean; at: Date },
  ): Promise<void> {
    const key = this.keys.hostRecord(parseHostName(host.name));
    await this.guard(() =>
      this.redis.hset(key, {
        name: host.name,
        labels: JSON.stringify(host.labels),
        engine: JSON.stringify(host.engine),
        agentVersion: host.agentVersion,
        registeredAt: at.toISOString(),
        lastHeartbeatAt: at.toISOString(),
        engineReachable: engineReachable ? '1' : '0',
      }),
    );
  }

  async heartbeat(name: string, beat: { engineReachable: boolean; at: Date }): Promise<boolean> {
    const key = this.keys.hostRecord(parseHostName(name));
    // HSET only where the record exists: a heartbeat must not create half a host.
    const updated = await this.guard(() =>
      this.redis.eval(
        "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end " +
          "redis.call('HSET', KEYS[1], 'lastHeartbeatAt', ARGV[1], 'engineReachable', ARGV[2]) return 1",
        1,
        key,
        beat.at.toISOString(),
        beat.engineReachable ? '1' : '0',
      ),
    );
    return updated === 1;
  }

  async get(name: string): Promise<HostRecord | null> {
    const key = this.keys.hostRecord(parseHostName(name));
    const fields = await this.guard(() => this.redis.hgetall(key));
    return recordOf(name, fields);
  }

  async list(): Promise<HostRecord[]> {
    const names = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.guard(() =>
        this.redis.scan(cursor, 'MATCH', this.keys.hostRecordPattern(), 'COUNT', SCAN_COUNT),
      );
      cursor = next;
      for (const key of keys) {
        const name = this.keys.hostOfRecord(key);
        if (name !== null) names.add(name);
      }
    } while (cursor !== '0');
    const sorted = [...names].sort();
    const pipeline = this.redis.pipeline();
    for (const name of sorted) pipeline.hgetall(this.keys.hostRecord(name));
    const answers = (await this.guard(() => pipeline.exec())) ?? [];
    return answers
      .map(([, fields], index) => recordOf(sorted[index]!, fields as Record<string, string>))
      .filter((record): record is HostRecord => record !== null);
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new QueueUnavailableError('while reading or changing the host directory', { cause: error });
    }
  }
}

const isoDate = z.iso.datetime().transform((value) => new Date(value));
const label = z.string().max(1_024);
/** A record as an agent wrote it: untrusted, so every field is checked before the api uses it. */
const recordSchema = z.object({
  labels: z.string().transform((text, context) => {
    const parsed = z
      .record(label, label)
      .refine((labels) => Object.keys(labels).length <= 256)
      .safeParse(parseJson(text));
    if (!parsed.success) context.addIssue({ code: 'custom', message: 'labels' });
    return parsed.data ?? {};
  }),
  engine: z.string().transform((text, context) => {
    const parsed = engineSchema.nullable().safeParse(parseJson(text));
    if (!parsed.success) context.addIssue({ code: 'custom', message: 'engine' });
    return parsed.data ?? null;
  }),
  agentVersion: z.string().max(100).optional(),
  registeredAt: isoDate,
  lastHeartbeatAt: isoDate,
  engineReachable: z.enum(['0', '1']).optional(),
});
const text = z.string().max(200);
const engineSchema = z.object({
  version: text,
  apiVersion: text,
  os: text,
  architecture: text,
  cpus: z.number().int().nonnegative().nullable(),
  memoryBytes: z.number().nonnegative().nullable(),
});

/**
 * A record as stored, or null for a missing or unreadable one (never a half-read host). The name
 * is the key's, never the record's: an agent can write only its own key, so it cannot speak for
 * another host.
 */
function recordOf(name: string, fields: Record<string, string>): HostRecord | null {
  const parsed = recordSchema.safeParse(fields);
  if (!parsed.success) return null;
  const record = parsed.data;
  return {
    name,
    labels: record.labels,
    engine: record.engine as EngineInfo | null,
    agentVersion: record.agentVersion ?? '',
    registeredAt: record.registeredAt,
    lastHeartbeatAt: record.lastHeartbeatAt,
    engineReachable: record.engineReachable === '1',
  };
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
