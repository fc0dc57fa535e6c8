import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pTimeout from 'p-timeout';
import { agentRedisUrl, FleetKeys, grantAgentAccess } from '../../libs/fleet/src/index.js';
import { launchDockerDaemon, planDockerDaemon, stopManagedDaemon } from '../environment/docker-daemon.js';
import { readTestEnvironment, runDocker } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe, type Subscription } from '../support/graphql-subscription.js';
import { JOB_FIELDS, pullImage, settled, type JobNode } from '../support/jobs.js';
import { AGENT_SCRIPT, ensureBuilt, spawnService, type ServiceProcess } from '../support/processes.js';
import { startSentinelSetup, type SentinelSetup } from '../support/sentinel-setup.js';

/**
 * The api and three agents (each as its own Redis user) on a real Redis Sentinel setup (one
 * primary, one replica, three sentinels), whose primary is SIGKILLed while a fan-out pull runs
 * over the three hosts: afterwards every job of it reaches a final state, none ran to completion
 * twice, no progress subscription hangs, the agents heartbeat and publish to the new primary, the
 * api follows them, and a change through an agent works. The first host is the environment's
 * daemon; the other two are isolated dockerds of this suite's own.
 */
const env = readTestEnvironment();
const HOST = 'sentinel-edge';
const OTHERS = ['sentinel-edge-b', 'sentinel-edge-c'] as const;
const HOSTS: readonly string[] = [HOST, ...OTHERS];
const LABEL = 'role=sentinel-edge';

describe('the fleet on Redis Sentinel, through a failover', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const repository = `fleet-sentinel-${randomBytes(3).toString('hex')}`;
  const tmp = mkdtempSync('/tmp/sv-sent-');
  const daemons = OTHERS.map((name) => planDockerDaemon(join(tmp, name), []));
  let setup: SentinelSetup;
  const agents: ServiceProcess[] = [];
  let api: ApiUnderTest;

  /** How often a host's agent logged "job completed" for a job: once per run of it to completion. */
  const completions = (host: string, jobId: string) =>
    agents[HOSTS.indexOf(host)]!.output()
      .split('\n')
      .filter((line) => line.includes('"message":"job completed"') && line.includes(`"jobId":"${jobId}"`))
      .length;

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
    await Promise.all(daemons.map((daemon) => launchDockerDaemon(daemon)));
    // Each agent as its own Redis user: granted on the primary and on its replica, so it keeps
    // its access after the failover (ACL changes are not replicated).
    const admin = new Redis({ host: '127.0.0.1', port: await setup.primaryPort() });
    const hostDaemons: [string, string][] = [
      [HOST, env.docker.host],
      ...OTHERS.map((name, index): [string, string] => [name, daemons[index]!.host]),
    ];
    for (const [name, dockerHost] of hostDaemons) {
      const granted = await grantAgentAccess(admin, new FleetKeys(prefix), name);
      agents.push(
        spawnService(AGENT_SCRIPT, {
          ...fleet,
          REDIS_URL: agentRedisUrl('redis://127.0.0.1:6379', granted),
          DOCKER_HOST: dockerHost,
          STEVEDORE_HOST_NAME: name,
          STEVEDORE_HOST_LABELS: LABEL,
          LOG_FORMAT: 'json',
        }),
      );
    }
    admin.disconnect();
    api = await startApi(env, { ...fleet, STEVEDORE_HOST_NAME: 'sentinel-api' });
    await eventually(async () => expect(await hostOf()).toMatchObject({ status: 'ONLINE' }), 30_000);
    await eventually(async () => expect((await hostOf())!.imageCount).toBeGreaterThan(0), 30_000);
    await eventually(async () => {
      const answer = await graphql<{ hosts: { name: string }[] }>(
        api,
        `{ hosts(filter: { labels: ["${LABEL}"], status: ONLINE }) { name } }`,
      );
      expect(answer.data?.hosts).toHaveLength(3);
    }, 30_000);
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    await Promise.all(agents.map((agent) => agent.stop()));
    await Promise.all(daemons.map((daemon) => stopManagedDaemon(daemon).catch(() => undefined)));
    rmSync(tmp, { recursive: true, force: true });
    await setup?.stop();
    await runDocker(env, ['image', 'rm', `${repository}:cli`, `${repository}:api`]).catch(() => undefined);
  });

  it('keeps every part working across the failover, and the fan-out it interrupted ends', async () => {
    // A pull over the three hosts, each child in its host's queue, under way as the primary dies.
    const { large } = env.fixtures.images;
    const queued = await pullImage(api, { ref: large.registries.open.ref, hosts: { labels: [LABEL] } });
    expect(queued.errors).toBeUndefined();
    const parentId = queued.job!.id;
    const follow = (id: string) =>
      subscribe<{ jobProgress: { state: string } }>(
        api,
        `subscription { jobProgress(id: "${id}") { id state } }`,
      );
    const childrenOf = async () => {
      const answer = await graphql<{ job: { children: (JobNode & { host: string })[] } }>(
        api,
        `query($id: ID!) { job(id: $id) { children { ${JOB_FIELDS} host } } }`,
        { variables: { id: parentId } },
      );
      return answer.data?.job.children ?? [];
    };
    const subscriptions: Subscription<{ jobProgress: { state: string } }>[] = [follow(parentId)];
    await eventually(async () => {
      const children = await childrenOf();
      expect(children).toHaveLength(3);
      expect(children.some((child) => child.state === 'ACTIVE')).toBe(true);
    }, 60_000);
    for (const child of await childrenOf()) subscriptions.push(follow(child.id));
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    const { from, to } = await setup.killPrimary();
    expect(to).not.toBe(from);

    try {
      // Not lost: the parent and each child reach a final state.
      const parent = await settled(api, parentId, 150_000);
      expect(['COMPLETED', 'FAILED']).toContain(parent.state);
      const children = await eventually(async () => {
        const now = await childrenOf();
        expect(now.map((child) => ['COMPLETED', 'FAILED'].includes(child.state))).toEqual([true, true, true]);
        return now;
      }, 30_000);
      for (const child of children) if (child.state === 'FAILED') expect(child.error?.code).toBeDefined();
      // None ran to completion twice (each agent logs a job's completion once per run of it).
      for (const child of children) {
        const localId = child.id.split('@')[0]!;
        expect([child.host, completions(child.host, localId)]).toEqual([
          child.host,
          child.state === 'COMPLETED' ? 1 : 0,
        ]);
      }
      // No progress subscription hangs: each ends by itself, its last message a final state.
      await Promise.all(subscriptions.map(({ ended }) => pTimeout(ended, { milliseconds: 15_000 })));
      for (const subscription of subscriptions) {
        expect(subscription.received.at(-1)?.jobProgress.state).toMatch(/^(COMPLETED|FAILED)$/);
      }
    } finally {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
    }

    // The agent publishes to the new primary, and the api follows it there.
    const { appB } = env.fixtures.images;
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
