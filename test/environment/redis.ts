import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

import { findExecutable } from './executables.js';
import { findFreePort } from './free-port.js';
import { logTail } from './log-tail.js';
import { isRunning, spawnService, terminate } from './processes.js';
import type { RedisInfo } from './types.js';
import { waitUntil } from './wait-until.js';

const PORT_ATTEMPTS = 3;

/** Starts a throwaway redis-server on a free 127.0.0.1 port: no RDB snapshots, no AOF, files in `<tmpDir>/redis`. */
export async function startRedis(tmpDir: string): Promise<RedisInfo> {
  const command = findExecutable(['redis-server'], 'install the redis-server package, or set REDIS_URL');
  const dir = join(tmpDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'redis.log');
  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--daemonize', 'no', '--logfile', '');
    // Redis replaces its command line with this title; naming our folder in it lets a teardown
    // find the server by temp dir like every other process, even without its pid record.
    args.push('--proc-title-template', `{title} {listen-addr} ${dir}`);
    const record = spawnService(command, args, { logFile, cwd: dir });
    try {
      await waitUntil(() => redisPing('127.0.0.1', port), {
        what: `redis-server on 127.0.0.1:${port}`,
        timeoutMs: 20_000,
        abortIf: () => (isRunning(record.pid) ? undefined : `exited during start-up${logTail(logFile)}`),
      });
      return {
        managed: true,
        url: `redis://127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
        process: record,
        logFile,
      };
    } catch (error) {
      lastError = error;
      await terminate([record.pid], 2_000);
    }
  }
  throw lastError;
}

/** True when a PING gets +PONG; plain RESP over a socket, so no client library is involved. */
export function redisPing(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let answer = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('redis PING timed out')));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) {
        socket.end();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(false));
  });
}
