import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_CENSUS, JOB_KINDS, JOB_QUEUE, JOB_STATES, type JobCensus, type JobQueue } from '#libs/jobs';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { pullImage, pushImage, settled } from '../support/jobs.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout.trim();
const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments left out). */
function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with this name and these labels (among others); undefined if none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe('Prometheus metrics at /metrics', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, { METRICS_TOKEN });
  });

  afterAll(() => api?.close());

  async function scrape(token: string = METRICS_TOKEN): Promise<Sample[]> {
    const answer = await rest(api, '/metrics', { token });
    expect(answer.status).toBe(200);
    return samplesOf(answer.body as string);
  }

  describe('access', () => {
    it('refuses a request without a token, or with an unknown one, as UNAUTHENTICATED', async () => {
      for (const token of [null, 'not-a-known-token-0123456789']) {
        const answer = await rest(api, '/metrics', { token });
        expect(answer.status).toBe(401);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
    });

    it('refuses read and write tokens as FORBIDDEN', async () => {
      for (const token of [TEST_TOKENS.read, TEST_TOKENS.write]) {
        const answer = await rest(api, '/metrics', { token });
        expect(answer.status).toBe(403);
        expect(answer.body.code).toBe('FORBIDDEN');
      }
    });

    it('answers an admin token and METRICS_TOKEN in the text format, never showing a token', async () => {
      for (const token of [TEST_TOKENS.admin, METRICS_TOKEN]) {
        const answer = await rest(api, '/metrics', { token });
        expect(answer.status).toBe(200);
        expect(answer.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
        expect(answer.body).toContain('# TYPE stevedore_http_request_duration_seconds histogram');
        for (const secret of [METRICS_TOKEN, ...Object.values(TEST_TOKENS)]) {
          expect(answer.body).not.toContain(secret);
        }
      }
    });

    it('opens nothing else to METRICS_TOKEN', async () => {
      expect((await rest(api, '/api/v1/images', { token: METRICS_TOKEN })).status).toBe(401);
      const answer = await graphql(api, '{ images(first: 1) { totalCount } }', { token: METRICS_TOKEN });
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('is admins only when METRICS_TOKEN is unset', async () => {
      const withoutToken = await startApi(env);
      try {
        expect((await rest(withoutToken, '/metrics', { token: METRICS_TOKEN })).status).toBe(401);
        expect((await rest(withoutToken, '/metrics', { token: TEST_TOKENS.admin })).status).toBe(200);
      } finally {
        await withoutToken.close();
      }
    });
  });

  describe('requests', () => {
    it('times REST requests by method, route pattern and status, never by URL', async () => {
      const { base } = env.fixtures.images;
      expect((await rest(api, `/api/v1/images/${encodeURIComponent(base.ref)}`)).status).toBe(200);
      expect((await rest(api, '/api/v1/images/no-such-image%3A1')).status).toBe(404);
      expect((await rest(api, '/api/v1/nothing-here')).status).toBe(404);
      expect((await rest(api, '/api/v1/images', { token: null })).status).toBe(401);

      const samples = await scrape();
      const count = (labels: Record<string, string>) =>
        valueOf(samples, 'stevedore_http_request_duration_seconds_count', labels);
      expect(count({ method: 'GET', route: '/api/v1/images/:ref', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(count({ method: 'GET', route: '/api/v1/images/:ref', status: '404' })).toBeGreaterThanOrEqual(1);
      expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
      // Refused by authentication, before its handler ran: timed all the same, under the route the
      // router had already found.
      expect(count({ method: 'GET', route: '/api/v1/images', status: '401' })).toBeGreaterThanOrEqual(1);
      const routes = new Set(
        samples.filter((sample) => sample.name.startsWith('stevedore_http_')).map((s) => s.labels['route']),
      );
      expect([...routes].filter((route) => /fixtures|no-such|nothing-here/.test(route ?? ''))).toEqual([]);
      expect(
        valueOf(samples, 'stevedore_http_request_duration_seconds_bucket', {
          method: 'GET',
          route: '/api/v1/images/:ref',
          status: '200',
          le: '+Inf',
        }),
      ).toBe(count({ method: 'GET', route: '/api/v1/images/:ref', status: '200' }));
    });

    it('times GraphQL operations by type and outcome, and their HTTP requests under /graphql', async () => {
      expect((await graphql(api, '{ images(first: 1) { totalCount } }')).errors).toBeUndefined();
      expect((await graphql(api, '{ noSuchField }')).errors?.[0]?.extensions?.code).toBeDefined();
      const forbidden = await graphql(api, 'mutation { pruneImages(dryRun: true) { spaceReclaimed } }');
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const samples = await scrape();
      const count = (labels: Record<string, string>) =>
        valueOf(samples, 'stevedore_graphql_request_duration_seconds_count', labels);
      expect(count({ operation: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(count({ operation: 'unknown', outcome: 'error' })).toBeGreaterThanOrEqual(1);
      expect(count({ operation: 'mutation', outcome: 'error' })).toBeGreaterThanOrEqual(1);
      expect(
        valueOf(samples, 'stevedore_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/graphql',
          status: '200',
        }),
      ).toBeGreaterThanOrEqual(1);
    });
  });

  describe('state', () => {
    it('reports the catalogue as the daemon has it, and Docker and Redis up', async () => {
      await eventually(async () => {
        const [samples, images] = await Promise.all([scrape(), rest(api, '/api/v1/images?first=1')]);
        expect(valueOf(samples, 'stevedore_catalogue_images')).toBe(images.body.totalCount);
        const daemonImages = (await docker('image', 'ls', '-q', '--no-trunc')).split('\n').filter(Boolean);
        expect(valueOf(samples, 'stevedore_catalogue_images')).toBe(new Set(daemonImages).size);
        expect(valueOf(samples, 'stevedore_catalogue_layers')).toBeGreaterThan(0);
        expect(valueOf(samples, 'stevedore_catalogue_size_bytes')).toBeGreaterThan(0);
        expect(valueOf(samples, 'stevedore_catalogue_fresh')).toBe(1);
      }, 10_000);
      const samples = await scrape();
      const age = valueOf(samples, 'stevedore_catalogue_last_sync_age_seconds')!;
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(api.config.catalogue.resyncMs / 1000 + 5);
      expect(valueOf(samples, 'stevedore_docker_up')).toBe(1);
      expect(valueOf(samples, 'stevedore_redis_up')).toBe(1);
      // Node's own, under their standard names.
      expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    });

    it('reports Docker down when the daemon does not answer, without failing the scrape', async () => {
      const broken = await startApi(env, {
        DOCKER_HOST: `unix://${env.tmpDir}/no-such-daemon.sock`,
        METRICS_TOKEN,
      });
      try {
        const answer = await rest(broken, '/metrics', { token: METRICS_TOKEN });
        expect(answer.status).toBe(200);
        const samples = samplesOf(answer.body);
        expect(valueOf(samples, 'stevedore_docker_up')).toBe(0);
        expect(valueOf(samples, 'stevedore_redis_up')).toBe(1);
        expect(valueOf(samples, 'stevedore_catalogue_fresh')).toBe(0);
        // Never synced: unknown (NaN) rather than zeros that read as an empty host.
        expect(valueOf(samples, 'stevedore_catalogue_images')).toBeNaN();
        expect(valueOf(samples, 'stevedore_catalogue_last_sync_age_seconds')).toBeNaN();
      } finally {
        await broken.close();
      }
    });
  });

  describe('jobs', () => {
    const registry = env.fixtures.images.base.registries.open.repository.split('/')[0]!;
    const ref = `${registry}/stevedore-metrics/probe-${process.pid}:1`;
    const payloadBytes = 2 * 1024 * 1024;
    let workDir: string;

    beforeAll(async () => {
      // An image of its own, with a layer no other image has: its push and pull really move bytes.
      workDir = mkdtempSync(join(env.tmpDir, 'metrics-'));
      writeFileSync(join(workDir, 'payload.bin'), randomBytes(payloadBytes));
      execFileSync('tar', ['-C', workDir, '-cf', join(workDir, 'image.tar'), 'payload.bin']);
      await docker('image', 'import', join(workDir, 'image.tar'), ref);
    });

    afterAll(async () => {
      await docker('image', 'rm', '--force', ref).catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    });

    it('times a push and a pull, with the bytes they moved, and counts them by kind and state', async () => {
      const pushed = await settled(api, (await pushImage(api, { ref })).job!.id);
      expect(pushed.state).toBe('COMPLETED');
      await docker('image', 'rm', ref);
      const pulled = await settled(api, (await pullImage(api, { ref })).job!.id);
      expect(pulled.state).toBe('COMPLETED');
      expect(pulled.progress.totalBytes).toBeGreaterThan(payloadBytes / 2);

      await eventually(async () => {
        const samples = await scrape();
        for (const [kind, job] of [
          ['pull', pulled],
          ['push', pushed],
        ] as const) {
          expect(valueOf(samples, 'stevedore_jobs', { kind, state: 'completed' })).toBeGreaterThanOrEqual(1);
          expect(
            valueOf(samples, 'stevedore_job_duration_seconds_count', { kind, outcome: 'completed' }),
          ).toBeGreaterThanOrEqual(1);
          expect(valueOf(samples, 'stevedore_job_transfer_bytes_count', { kind })).toBeGreaterThanOrEqual(1);
          expect(valueOf(samples, 'stevedore_job_transfer_bytes_sum', { kind })).toBeGreaterThanOrEqual(
            job.progress.totalBytes,
          );
        }
        // Every kind and state has a series, zero or not.
        expect(samples.filter((sample) => sample.name === 'stevedore_jobs')).toHaveLength(
          JOB_KINDS.length * JOB_STATES.length,
        );
      }, 5_000);
    });

    it('counts by kind and state exactly the jobs the queue keeps, as their whole records say', async () => {
      const census = api.app.get<JobCensus>(JOB_CENSUS);
      const queue = api.app.get<JobQueue>(JOB_QUEUE);
      // Other suites queue jobs meanwhile: retried until two reads in a row agree.
      await eventually(async () => {
        // Whole records, read apart from the summaries that the census and listings use.
        const listed = await queue.getMany((await queue.summaries()).map((job) => job.id));
        const counts = await census.countsByKind();
        for (const kind of JOB_KINDS) {
          for (const state of JOB_STATES) {
            const expected = listed.filter((job) => job.kind === kind && job.state === state).length;
            expect(`${kind} ${state}: ${counts[kind][state]}`).toBe(`${kind} ${state}: ${expected}`);
          }
        }
      }, 10_000);
    });
  });
});
