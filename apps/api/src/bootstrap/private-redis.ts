import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { readOrCreateSecretFile } from '#libs/secrets';

/** The private redis-server's password, in the state folder beside the credential key. */
export const PRIVATE_REDIS_PASSWORD_FILE = 'redis.password';

/** A redis-server this process started for itself, because none was configured or running. */
export interface PrivateRedis {
  /** `redis://:<password>@127.0.0.1:<port>`: for clients, never for logs. */
  readonly url: string;
  /** `redis://127.0.0.1:<port>`, without the password: for logs. */
  readonly loggableUrl: string;
  /** The file holding the password (mode 0600). */
  readonly passwordFile: string;
  stop(): Promise<void>;
}

export class RedisNotAvailableError extends Error {}

/** True when a Redis answers PING at the URL within a short time. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts redis-server from the PATH on a free loopback port, with append-only persistence in
 * `<stateDir>/redis`, so queued jobs survive a restart of `npm start`. It requires a password,
 * generated once into `<stateDir>/redis.password` (mode 0600) and handed to redis-server as
 * configuration on its stdin, so no command line (`ps`) shows it; the returned `url` carries it.
 */
export async function startPrivateRedis(stateDir: string): Promise<PrivateRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new RedisNotAvailableError(
      'No Redis answers on redis://127.0.0.1:6379 and no redis-server is on the PATH. ' +
        'Install Redis (e.g. apt-get install redis-server) or set REDIS_URL to a running one.',
    );
  }
  const passwordFile = resolve(stateDir, PRIVATE_REDIS_PASSWORD_FILE);
  const password = readOrCreateSecretFile(passwordFile, () => randomBytes(32).toString('hex'));
  // Used as is in a URL and a redis.conf line: no escaping, so only unreserved characters.
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(password)) {
    throw new RedisNotAvailableError(
      `${passwordFile} must hold 16 or more of A-Z a-z 0-9 . _ ~ - (delete it to have one generated).`,
    );
  }
  const dir = resolve(stateDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700); // also when an older version created it: the AOF holds the queue
  } catch {
    // Not ours to change: redis-server says so if it cannot write there either.
  }
  const port = await freePort();
  // '-' first: read configuration from stdin too (Redis before 6.2 accepts it only there).
  const child = spawn(
    'redis-server',
    ['-', '--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  child.on('error', () => undefined); // an exit code follows, which waitUntilAnswers reports
  child.stdin!.on('error', () => undefined); // EPIPE when it exits before reading
  child.stdin!.end(`requirepass ${password}\n`);
  const address = `127.0.0.1:${port}`;
  const url = `redis://:${password}@${address}`;
  await waitUntilAnswers(url, child);
  return { url, loggableUrl: `redis://${address}`, passwordFile, stop: () => stopChild(child) };
}

async function waitUntilAnswers(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new RedisNotAvailableError(`redis-server exited with code ${child.exitCode}`);
    if (await redisAnswers(url, 200)) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  child.kill('SIGKILL');
  throw new RedisNotAvailableError('redis-server did not answer within 10 s');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}
