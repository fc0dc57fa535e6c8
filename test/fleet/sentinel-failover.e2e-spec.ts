import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { agentRedisUrl, FleetKeys, grantAgentAccess } from '../../libs/fleet/src/index.js';
import { readTestEnvironment, runDocker } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { pullImage, settled } from '../support/jobs.js';
import { AGENT_SCRIPT, ensureBuilt, spawnService, type ServiceProcess } from '../support/processes.js';
import { startSentinelSetup, type SentinelSetup } from '../support/sentinel-setup.js';

/**
 * The api and an agent (as its own Redis user) on a real Redis Sentinel setup (one primary, one replica, three
 * sentinels), whose primary is SIGKILLed while a pull job runs on the agent's host: afterwards
 * the agent heartbeats and publishes to the new primary, the api follows it, a change through the
 * agent works, and the job reaches a final state.
 */
const env = readTestEnvironment();
const HOST = 'sentinel-edge';

describe('the fleet on Redis Sentinel, through a failover', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const repository = `fleet-sentinel-${randomBytes(3).toString('hex')}`;
  let setup: SentinelSetup;
  let agent: ServiceProcess;
  let api: ApiUnderTest;

  const hostOf = async () => {
    const answer = await graphql<{ host: { status: string; imageCount: number } | null }>(
      api,
      `{ host(name: "${HOST}") { status imageCount } }`,
    );
    return answer.data?.host ?? null;
  };

  beforeAll(async () => {
    ensureBuilt();
    setup = await startSentinelSetup();
    const fleet = {
      REDIS_SENTINELS: setup.sentinels,
      REDIS_SENTINEL_MASTER: setup.master,
      FLEET_KEY_PREFIX: prefix,
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '10',
      // A job whose lock went with the old primary is handed back within seconds.
      JOB_LOCK_SECONDS: '5',
    };
    // The agent as its own Redis user: granted on the primary and on its replica, so it keeps
    // its access after the failover (ACL changes are not replicated).
    const admin = new Redis({ host: '127.0.0.1', port: await setup.primaryPort() });
    const granted = await grantAgentAccess(admin, new FleetKeys(prefix), HOST);
    admin.disconnect();
    agent = spawnService(AGENT_SCRIPT, {
      ...fleet,
      REDIS_URL: agentRedisUrl('redis://127.0.0.1:6379', granted),
      DOCKER_HOST: env.docker.host,
      STEVEDORE_HOST_NAME: HOST,
      LOG_FORMAT: 'json',
    });
    api = await startApi(env, { ...fleet, STEVEDORE_HOST_NAME: 'sentinel-api' });
    await eventually(async () => expect(await hostOf()).toMatchObject({ status: 'ONLINE' }), 30_000);
    await eventually(async () => expect((await hostOf())!.imageCount).toBeGreaterThan(0), 30_000);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await agent?.stop();
    await setup?.stop();
    await runDocker(env, ['image', 'rm', `${repository}:cli`, `${repository}:api`]).catch(() => undefined);
  });

  it('keeps every part working across the failover, and the job it interrupted ends', async () => {
    // A pull on the agent's host, through that host's queue, under way as the primary dies.
    const { appB } = env.fixtures.images;
    const queued = await pullImage(api, { ref: appB.registries.open.ref, host: HOST });
    expect(queued.errors).toBeUndefined();
    const { from, to } = await setup.killPrimary();
    expect(to).not.toBe(from);

    // The job is not lost: it reaches a final state, and it ran to completion at most once.
    const job = await settled(api, queued.job!.id, 90_000);
    expect(['COMPLETED', 'FAILED']).toContain(job.state);
    if (job.state === 'FAILED') expect(job.error?.code).toBeDefined();

    // The agent publishes to the new primary, and the api follows it there.
    await runDocker(env, ['image', 'tag', appB.ref, `${repository}:cli`]);
    await eventually(async () => {
      const seen = await graphql<{ image: { id: string } | null }>(
        api,
        `{ image(ref: "${repository}:cli", host: "${HOST}") { id } }`,
      );
      expect(seen.data?.image?.id).toBe(appB.id);
    }, 30_000);

    // A change asked of the agent travels through the new primary, and reads its own write.
    const tagged = await graphql<{ tagImage: { reference: string } }>(
      api,
      `mutation { tagImage(host: "${HOST}", source: "${appB.ref}", target: "${repository}:api") { reference } }`,
      { token: TEST_TOKENS.write },
    );
    expect(tagged.errors).toBeUndefined();
    const read = await graphql<{ image: { id: string } | null }>(
      api,
      `{ image(ref: "${repository}:api", host: "${HOST}") { id } }`,
    );
    expect(read.data?.image?.id).toBe(appB.id);

    // Its heartbeats reach the new primary: the host stays ONLINE well past the failover.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await hostOf()).toMatchObject({ status: 'ONLINE' });
  });
});
