import { Queue } from 'bullmq';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { IMAGE_QUEUE, bullConnection } from '#libs/jobs';
import { redisAnswers, startPrivateRedis } from '../../apps/api/src/bootstrap/private-redis.js';
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

/** What a client that sends no password gets for PING, as Redis's first reply line. */
function pingWithoutPassword(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    let reply = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no reply from 127.0.0.1:${port}`)));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every process's command line, as `ps` shows them to any local user. */
const commandLines = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });

const METRICS_SCRAPER = 'run-modes-metrics-scraper-token-0123456789';

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

  it('the private redis-server wants a generated password, kept in a 0600 file and off command lines', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stevedore-state-'));
    try {
      const redis = await startPrivateRedis(stateDir);
      const url = new URL(redis.url);
      const passwordFile = join(stateDir, 'redis.password');
      let password: string;
      try {
        expect(url.hostname).toBe('127.0.0.1');
        expect(url.username).toBe('');
        expect(url.password).toMatch(/^[0-9a-f]{64}$/);
        password = readFileSync(passwordFile, 'utf8').trim();
        expect(password).toBe(url.password);
        expect(mode(passwordFile)).toBe(0o600);
        expect(mode(join(stateDir, 'redis'))).toBe(0o700);
        expect(redis.loggableUrl).toBe(`redis://127.0.0.1:${url.port}`);

        expect(await pingWithoutPassword(Number(url.port))).toMatch(/^-NOAUTH /);
        expect(await redisAnswers(redis.url)).toBe(true);
        expect(commandLines()).not.toContain(password);
      } finally {
        await redis.stop();
      }
      expect(await redisAnswers(redis.url, 200)).toBe(false);

      // The next start reads the same password (and the same append-only folder).
      const again = await startPrivateRedis(stateDir);
      try {
        expect(new URL(again.url).password).toBe(password);
        expect(await redisAnswers(again.url)).toBe(true);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
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
      let privateRedisPort: number | undefined;
      if (!defaultRedisRuns) {
        expect(api.output()).toContain('started a private redis-server');
        expect(existsSync(join(stateDir, 'redis'))).toBe(true);
        // Logged without its password, which stays in a 0600 file beside the credential key.
        const [, port] = api.output().match(/"url":"redis:\/\/127\.0\.0\.1:(\d+)"/) ?? [];
        expect(port).toBeDefined();
        privateRedisPort = Number(port);
        const passwordFile = join(stateDir, 'redis.password');
        expect(mode(passwordFile)).toBe(0o600);
        expect(mode(join(stateDir, 'credentials.key'))).toBe(0o600);
        expect(await pingWithoutPassword(privateRedisPort)).toMatch(/^-NOAUTH /);
        const password = readFileSync(passwordFile, 'utf8').trim();
        expect(password).toMatch(/^[0-9a-f]{64}$/);
        expect(commandLines()).not.toContain(password);
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
      if (privateRedisPort !== undefined) {
        // No line the api wrote, start to stop, holds the private Redis password.
        expect(api.output()).not.toContain(readFileSync(join(stateDir, 'redis.password'), 'utf8').trim());
        expect(await redisAnswers(`redis://127.0.0.1:${privateRedisPort}`, 200)).toBe(false);
      }
      if (!defaultRedisRuns) {
        const privateRedisLeft = () =>
          spawnSync('pgrep', ['-f', join(stateDir, 'redis')])
            .stdout.toString()
            .trim();
        await waitFor(() => (privateRedisLeft() === '' ? 'gone' : ''), /gone/, 5_000);
      }
    });

    it('API_PROCESSES=2: two processes share the port, one worker, /metrics covers both, SIGTERM stops both', async () => {
      const url = `${env.redis.url}/7`;
      const port = await findFreePort();
      const api = run('dist/apps/api/src/main.js', {
        DOCKER_HOST: env.docker.host,
        REDIS_URL: url,
        PORT: String(port),
        API_PROCESSES: '2',
        STEVEDORE_STATE_DIR: stateDir,
        STEVEDORE_API_TOKENS: 'read:run-modes-replicas-token-0123456789',
        METRICS_TOKEN: METRICS_SCRAPER,
      });
      await waitFor(api.output, /"processes":2/);
      const replicaPids = () =>
        spawnSync('pgrep', ['-P', String(api.child.pid)])
          .stdout.toString()
          .split('\n')
          .filter(Boolean);
      await eventually(async () => expect(replicaPids()).toHaveLength(1), 10_000);
      const [replicaPid] = replicaPids();

      // New connections each: the kernel spreads them over both listeners, and each logs its own.
      const servedBy = () =>
        new Set(
          api
            .output()
            .split('\n')
            .filter((line) => line.includes('"request completed"'))
            .map((line) => line.match(/"pid":(\d+)/)?.[1]),
        );
      let answered = 0;
      await eventually(async () => {
        for (let request = 0; request < 20; request += 1) {
          const answer = await fetch(`http://127.0.0.1:${port}/api/v1/images?first=1`, {
            headers: { authorization: 'Bearer run-modes-replicas-token-0123456789', connection: 'close' },
          });
          expect(answer.status).toBe(200);
          answered += 1;
        }
        expect(servedBy()).toEqual(new Set([String(api.child.pid), replicaPid]));
      }, 20_000);

      // Whichever process a scrape reaches, it counts the requests both served, and the gauges
      // every process reads alike once.
      for (let scrape = 0; scrape < 6; scrape += 1) {
        const text = await (
          await fetch(`http://127.0.0.1:${port}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_SCRAPER}`, connection: 'close' },
          })
        ).text();
        const served = text.match(
          /^stevedore_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/images"[^}]*status="200"[^}]*\} (\d+)$/m,
        );
        expect(Number(served?.[1])).toBe(answered);
        expect(text).toMatch(/^stevedore_redis_up 1$/m);
      }
      // The first process's embedded worker only.
      expect(await workerCount(url)).toBe(1);

      api.child.kill('SIGTERM');
      expect([0, 'SIGTERM']).toContain(await exited(api.child));
      expect(spawnSync('kill', ['-0', String(replicaPid)]).status).not.toBe(0);
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
