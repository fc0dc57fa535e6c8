import { Queue } from 'bullmq';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_QUEUE, bullConnection } from '#libs/jobs';
import { redisAnswers } from '../../apps/api/src/bootstrap/private-redis.js';
import { findFreePort } from '../environment/free-port.js';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();

/** Workers registered on the image queue of one Redis database. */
async function workerCount(redisUrl: string): Promise<number> {
  const queue = new Queue(IMAGE_QUEUE, { connection: bullConnection(redisUrl) });
  try {
    return (await queue.getWorkers()).length;
  } finally {
    await queue.close();
  }
}

describe('run modes', () => {
  // A Redis database of its own, so other suites' embedded workers are not counted.
  const redisUrl = `${env.redis.url}/7`;

  it('embeds a worker in the api by default, and none with WORKER_EMBEDDED=false', async () => {
    let api: ApiUnderTest = await startApi(env, { REDIS_URL: redisUrl });
    try {
      expect(await workerCount(redisUrl)).toBe(1);
    } finally {
      await api.close();
    }
    api = await startApi(env, { REDIS_URL: redisUrl, WORKER_EMBEDDED: 'false' });
    try {
      expect(await workerCount(redisUrl)).toBe(0);
    } finally {
      await api.close();
    }
  });

  describe('the built processes', () => {
    let stateDir: string;
    const children: ChildProcess[] = [];

    beforeAll(() => {
      execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
      stateDir = mkdtempSync(join(tmpdir(), 'stevedore-state-'));
    });

    afterAll(() => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(stateDir, { recursive: true, force: true });
    });

    function run(script: string, vars: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
      const { REDIS_URL: _redis, STEVEDORE_API_TOKENS: _tokens, ...inherited } = process.env;
      const child = spawn('node', [script], {
        env: { ...inherited, ...vars },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      return { child, output: () => output };
    }

    async function waitFor(
      output: () => string,
      pattern: RegExp,
      timeoutMs = 30_000,
    ): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output().match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    /** The exit code, or the signal's name when the process ended by re-raising it (as Nest does on SIGTERM). */
    function exited(child: ChildProcess): Promise<number | string | null> {
      if (child.exitCode !== null || child.signalCode !== null)
        return Promise.resolve(child.exitCode ?? child.signalCode);
      return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    }

    it('`npm start` alone: private Redis when none runs, a generated admin token, images answered', async () => {
      const defaultRedisRuns = await redisAnswers('redis://127.0.0.1:6379');
      const port = await findFreePort();
      const api = run('dist/apps/api/src/main.js', {
        DOCKER_HOST: env.docker.host,
        PORT: String(port),
        STEVEDORE_STATE_DIR: stateDir,
      });
      const [, token] = await waitFor(api.output, /Bearer ([A-Za-z0-9_-]{43})/);
      if (!defaultRedisRuns) {
        expect(api.output()).toContain('started a private redis-server');
        expect(existsSync(join(stateDir, 'redis'))).toBe(true);
      }
      const unauthenticated = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ images { totalCount } }' }),
      });
      expect(unauthenticated.status).toBe(401);
      const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ images(first: 500) { totalCount nodes { id } } }' }),
      });
      const body = (await answer.json()) as { data: { images: { totalCount: number } } };
      expect(body.data.images.totalCount).toBeGreaterThan(0);
      // Logged once, and only there.
      expect(api.output().split(token!).length - 1).toBe(1);

      api.child.kill('SIGTERM');
      expect([0, 'SIGTERM']).toContain(await exited(api.child));
      if (!defaultRedisRuns) {
        const privateRedisLeft = () =>
          spawnSync('pgrep', ['-f', join(stateDir, 'redis')])
            .stdout.toString()
            .trim();
        await waitFor(() => (privateRedisLeft() === '' ? 'gone' : ''), /gone/, 5_000);
      }
    });

    it('refuses to start with a message that names each bad variable', async () => {
      const api = run('dist/apps/api/src/main.js', { PORT: 'eighty', WORKER_CONCURRENCY: '0' });
      expect(await exited(api.child)).toBe(2);
      expect(api.output()).toContain('PORT:');
      expect(api.output()).toContain('WORKER_CONCURRENCY:');
    });

    it('runs a standalone worker that registers on the queue and stops on SIGTERM', async () => {
      const url = `${env.redis.url}/8`;
      const worker = run('dist/apps/worker/src/main.js', { DOCKER_HOST: env.docker.host, REDIS_URL: url });
      await waitFor(worker.output, /worker running/);
      // BullMQ's blocking connection registers a moment after the worker starts.
      await eventually(async () => expect(await workerCount(url)).toBe(1), 10_000);
      worker.child.kill('SIGTERM');
      expect([0, 'SIGTERM']).toContain(await exited(worker.child));
      expect(await workerCount(url)).toBe(0);
    });
  });
});
