import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server this process started for itself, because none was configured or running. */
export interface PrivateRedis {
  readonly url: string;
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
 * `<stateDir>/redis`, so queued jobs survive a restart of `npm start`.
 */
export async function startPrivateRedis(stateDir: string): Promise<PrivateRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new RedisNotAvailableError(
      'No Redis answers on redis://127.0.0.1:6379 and no redis-server is on the PATH. ' +
        'Install Redis (e.g. apt-get install redis-server) or set REDIS_URL to a running one.',
    );
  }
  const dir = resolve(stateDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilAnswers(url, child);
  return { url, stop: () => stopChild(child) };
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
