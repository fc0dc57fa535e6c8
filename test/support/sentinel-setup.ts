import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { findExecutable } from '../environment/executables.js';
import { findFreePort } from '../environment/free-port.js';
import { waitUntil } from '../environment/wait-until.js';

/** A real Redis Sentinel setup from Debian's redis-server and redis-sentinel, on 127.0.0.1. */
export interface SentinelSetup {
  readonly master: string;
  /** For REDIS_SENTINELS. */
  readonly sentinels: string;
  /** The port of the current primary, as the sentinels say. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves once the sentinels name another one. */
  killPrimary(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

const MASTER = 'stevedore-test';

/** One primary, one replica, three sentinels (quorum 2) that notice a dead primary after 1 s. */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync('/tmp/sv-sentinel-');
  const server = findExecutable(['redis-server'], 'install the redis-server package');
  const sentinelCommand = findExecutable(['redis-sentinel'], 'install the redis-sentinel package');
  const children = new Map<number, ChildProcess>();
  const run = (command: string, args: string[], port: number) => {
    const child = spawn(command, args, { cwd: dir, stdio: 'ignore' });
    child.on('error', () => undefined);
    children.set(port, child);
  };
  const redisArgs = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];

  const primary = await findFreePort();
  run(server, redisArgs(primary), primary);
  const replica = await findFreePort();
  run(server, [...redisArgs(replica), '--replicaof', '127.0.0.1', String(primary)], replica);
  const sentinelPorts: number[] = [];
  for (let index = 0; index < 3; index++) {
    const port = await findFreePort();
    const file = join(dir, `sentinel-${index}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${MASTER} 1000`,
        `sentinel failover-timeout ${MASTER} 10000`,
        `sentinel parallel-syncs ${MASTER} 1`,
        '',
      ].join('\n'),
    );
    run(sentinelCommand, [file], port);
    sentinelPorts.push(port);
  }

  const ask = async <T>(port: number, ...args: string[]): Promise<T> => {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.call(...(args as [string, ...string[]]))) as T;
    } finally {
      client.disconnect();
    }
  };
  const primaryPort = async () => {
    for (const port of sentinelPorts) {
      try {
        const [, answer] = await ask<[string, string]>(port, 'SENTINEL', 'get-master-addr-by-name', MASTER);
        return Number(answer);
      } catch {
        // that sentinel is not up: ask the next
      }
    }
    throw new Error('no sentinel answers');
  };

  // Ready: every sentinel knows the replica, and the replica has synced.
  await waitUntil(
    async () => {
      for (const port of sentinelPorts) {
        const replicas = await ask<unknown[]>(port, 'SENTINEL', 'replicas', MASTER);
        if (replicas.length < 1) return false;
      }
      const info = await ask<string>(replica, 'INFO', 'replication');
      return /master_link_status:up/.test(info);
    },
    { what: 'the sentinel setup', timeoutMs: 30_000, intervalMs: 200 },
  );

  return {
    master: MASTER,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    primaryPort,
    async killPrimary() {
      const from = await primaryPort();
      children.get(from)?.kill('SIGKILL');
      await waitUntil(async () => (await primaryPort().catch(() => from)) !== from, {
        what: 'a failover',
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      return { from, to: await primaryPort() };
    },
    async stop() {
      for (const child of children.values()) child.kill('SIGKILL');
      await sleep(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
