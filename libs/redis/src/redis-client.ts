import { Redis, type RedisOptions } from 'ioredis';
import pTimeout from 'p-timeout';
import type { StevedoreConfig } from '#libs/config';

/** Where Redis is: a URL, or the configuration's settings (a URL, or sentinels and a master name). */
export type RedisTarget = string | StevedoreConfig['redis'];

type SentinelTarget = StevedoreConfig['redis'] & {
  readonly sentinels: NonNullable<StevedoreConfig['redis']['sentinels']>;
};

function sentinelsOf(target: RedisTarget): SentinelTarget | null {
  return typeof target !== 'string' && target.sentinels ? (target as SentinelTarget) : null;
}

/**
 * ioredis options for a target behind sentinels: ioredis asks them for the master and follows a
 * failover by itself; the URL gives the master's credentials and database.
 */
function sentinelOptions(target: SentinelTarget, options: RedisOptions): RedisOptions {
  const url = new URL(target.url);
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number(url.pathname.slice(1)) || 0,
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.sentinelMaster,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...options,
  };
}

/** The URL of a target (for a log line: redact it first). */
export function redisUrlOf(target: RedisTarget): string {
  return typeof target === 'string' ? target : target.url;
}

/** A client of the target. Add an 'error' handler: ioredis logs unhandled errors itself. */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): Redis {
  const sentinels = sentinelsOf(target);
  return sentinels ? new Redis(sentinelOptions(sentinels, options)) : new Redis(redisUrlOf(target), options);
}

/** BullMQ's connection options for a target, with `options` on top. */
export function redisConnectionOptions(
  target: RedisTarget,
  options: RedisOptions,
): RedisOptions & { url?: string } {
  const sentinels = sentinelsOf(target);
  return sentinels ? sentinelOptions(sentinels, options) : { url: redisUrlOf(target), ...options };
}

/** How long a closing connection waits for the commands already sent to be answered. */
const QUIT_WAIT_MS = 1_000;

/**
 * Closes a command connection gracefully: QUIT, so that commands already sent (a heartbeat, a
 * publication, an audit entry) are answered rather than failed with "Connection is closed"; cut
 * after a second, or at once when it is not connected. Not for a connection blocked in BRPOP or
 * the like, whose QUIT would wait behind it: disconnect those.
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await pTimeout(client.quit(), { milliseconds: QUIT_WAIT_MS }).catch(() => client.disconnect());
}
