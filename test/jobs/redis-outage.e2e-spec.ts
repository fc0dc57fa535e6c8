import { spawn, type ChildProcess } from 'node:child_process';
import { findFreePort } from '../environment/free-port.js';
import { readTestEnvironment } from '../environment/index.js';
import { redisPing } from '../environment/redis.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();
const PULL = 'mutation ($ref: String!) { pullImage(input: { ref: $ref }) { id state } }';

/** A redis-server of this test's own on a fixed port, so it can be killed and started again. */
function startRedisOn(port: number): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
}

describe('when Redis goes away under a running api', () => {
  let port: number;
  let redis: ChildProcess;
  let api: ApiUnderTest;

  beforeAll(async () => {
    port = await findFreePort();
    redis = startRedisOn(port);
    await eventually(async () => expect(await redisPing('127.0.0.1', port)).toBe(true), 10_000);
    // No worker: queued jobs stay queued, and nothing but the api talks to this Redis.
    api = await startApi(env, { REDIS_URL: `redis://127.0.0.1:${port}`, WORKER_EMBEDDED: 'false' });
  });

  afterAll(async () => {
    await api?.close();
    redis?.kill('SIGKILL');
  });

  it('answers QUEUE_UNAVAILABLE at once instead of waiting, keeps serving images, and recovers', async () => {
    const ref = env.fixtures.images.appA.registries.open.ref;
    const before = await graphql<{ pullImage: { state: string } }>(api, PULL, {
      token: TEST_TOKENS.write,
      variables: { ref },
    });
    expect(before.data?.pullImage.state).toBe('QUEUED');

    redis.kill('SIGKILL');
    await eventually(
      async () => expect(await redisPing('127.0.0.1', port).catch(() => false)).toBe(false),
      5_000,
    );

    const started = Date.now();
    const refused = await graphql(api, PULL, {
      token: TEST_TOKENS.write,
      variables: { ref: `${ref}-other` },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('QUEUE_UNAVAILABLE');
    const restPull = await rest(api, '/api/v1/images/pull', {
      token: TEST_TOKENS.write,
      method: 'POST',
      body: { ref },
    });
    expect(restPull.status).toBe(503);
    expect(restPull.body.code).toBe('QUEUE_UNAVAILABLE');
    const jobs = await rest(api, '/api/v1/jobs');
    expect(jobs.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);

    const ready = await rest(api, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details.redis.status).toBe('down');
    const images = await graphql<{ images: { totalCount: number } }>(
      api,
      '{ images(first: 1) { totalCount } }',
    );
    expect(images.data?.images.totalCount).toBeGreaterThan(0);

    redis = startRedisOn(port);
    await eventually(async () => {
      const again = await graphql<{ pullImage: { state: string } }>(api, PULL, {
        token: TEST_TOKENS.write,
        variables: { ref: `${ref}-again` },
      });
      expect(again.data?.pullImage.state).toBe('QUEUED');
    }, 20_000);
    await eventually(async () => expect((await rest(api, '/health/ready')).status).toBe(200), 10_000);
  }, 90_000);
});
