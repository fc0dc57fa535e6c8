import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runCommand } from '../environment/command.js';
import { launchDockerDaemon, planDockerDaemon, stopManagedDaemon } from '../environment/docker-daemon.js';
import { findExecutable } from '../environment/executables.js';
import { readTestEnvironment, runDocker } from '../environment/index.js';
import type { ManagedDockerDaemon } from '../environment/types.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { EngineClis } from '../support/engine-cli.js';
import { eventually } from '../support/eventually.js';
import { getJob, pullImage, settled } from '../support/jobs.js';
import { subscribe } from '../support/graphql-subscription.js';
import {
  AGENT_SCRIPT,
  ensureBuilt,
  serviceEnv,
  spawnService,
  startApiProcess,
  type ServiceProcess,
} from '../support/processes.js';

/**
 * The api over two real hosts: the environment's daemon, whose agent runs inside the api, and a
 * second isolated dockerd with its own agent process. Everything lives under a key prefix of
 * this suite's own, so the other suites (which see one host) never see these.
 */
const env = readTestEnvironment();
const LOCAL = 'local-1';
const EDGE = 'edge-2';

interface HostAnswer {
  name: string;
  labels: Record<string, string>;
  status: string;
  stale: boolean;
  asOf: string | null;
  lastSeen: string | null;
  imageCount: number;
  engine: { version: string; os: string; cpus: number | null } | null;
  diskUsage: { totalSize: number } | null;
}

const HOST_FIELDS =
  'name labels status stale asOf lastSeen imageCount engine { version os cpus } diskUsage { totalSize }';

describe('the api over a fleet of two real hosts', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync('/tmp/sv-fleet-');
  const edgeDaemon: ManagedDockerDaemon = planDockerDaemon(tmp, []);
  const repository = `fleet-api-${randomBytes(3).toString('hex')}`;
  let agent: ServiceProcess;
  let api: ApiUnderTest;

  /** The docker CLI against the second daemon. */
  const edgeDocker = (args: string[]) =>
    runCommand(findExecutable(['docker'], 'install docker.io'), args, {
      env: { ...process.env, DOCKER_HOST: edgeDaemon.host, DOCKER_CONFIG: join(tmp, 'cli') },
    });
  const idsOf = (stdout: string) => [...new Set(stdout.split('\n').filter(Boolean))].sort();
  const hosts = async (args = '') => {
    const answer = await graphql<{ hosts: HostAnswer[] }>(api, `{ hosts${args} { ${HOST_FIELDS} } }`);
    expect(answer.errors).toBeUndefined();
    return answer.data!.hosts;
  };

  const startAgent = () =>
    spawnService(AGENT_SCRIPT, {
      DOCKER_HOST: edgeDaemon.host,
      REDIS_URL: env.redis.url,
      STEVEDORE_HOST_NAME: EDGE,
      STEVEDORE_HOST_LABELS: 'role=edge,region=eu',
      FLEET_KEY_PREFIX: prefix,
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '3',
      // A killed agent's active job is picked up again within seconds, not the default 30.
      JOB_LOCK_SECONDS: '2',
      LOG_FORMAT: 'json',
    });

  beforeAll(async () => {
    ensureBuilt();
    await launchDockerDaemon(edgeDaemon);
    // The edge host holds app-a (and so base's layers), loaded from the environment's daemon.
    const archive = join(tmp, 'app-a.tar');
    await runDocker(env, ['image', 'save', '-o', archive, env.fixtures.images.appA.ref]);
    await edgeDocker(['image', 'load', '-i', archive]);
    agent = startAgent();
    await agent.waitFor(/host registered/);
    api = await startApi(env, {
      FLEET_KEY_PREFIX: prefix,
      STEVEDORE_HOST_NAME: LOCAL,
      STEVEDORE_HOST_LABELS: 'role=build',
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '3',
      // Past the restarts these tests make, short of a run's patience.
      FLEET_JOB_DEADLINE_SECONDS: '8',
    });
    await eventually(async () => {
      const listed = await hosts();
      // Each with its catalogue, and its record read back from Redis.
      expect(listed.map((host) => [host.name, host.imageCount > 0, host.engine !== null])).toEqual([
        [EDGE, true, true],
        [LOCAL, true, true],
      ]);
    }, 20_000);
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    await agent?.stop();
    await stopManagedDaemon(edgeDaemon).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    const redis = new Redis(env.redis.url);
    const left = await redis.keys(`${prefix}:*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
  });

  it('lists both hosts with their labels, status, engine and image count, as each CLI sees them', async () => {
    const [edge, local] = await hosts();
    const edgeVersion = (await edgeDocker(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
    const localVersion = (await runDocker(env, ['version', '--format', '{{.Server.Version}}'])).stdout.trim();
    expect(edge).toMatchObject({
      name: EDGE,
      labels: { role: 'edge', region: 'eu' },
      status: 'ONLINE',
      stale: false,
      engine: { version: edgeVersion, os: 'linux' },
    });
    expect(local).toMatchObject({ name: LOCAL, labels: { role: 'build' }, status: 'ONLINE', stale: false });
    expect(local!.engine?.version).toBe(localVersion);
    expect(edge!.imageCount).toBe(
      idsOf((await edgeDocker(['image', 'ls', '-q', '--no-trunc'])).stdout).length,
    );
    expect(local!.imageCount).toBe(
      idsOf((await runDocker(env, ['image', 'ls', '-q', '--no-trunc'])).stdout).length,
    );
    expect(edge!.diskUsage!.totalSize).toBeGreaterThan(0);
    expect(new Date(edge!.lastSeen!).getTime()).toBeGreaterThan(Date.now() - 5_000);
  });

  it('filters hosts by label and status, and finds one by name', async () => {
    expect((await hosts('(filter: { labels: ["role=edge"] })')).map((host) => host.name)).toEqual([EDGE]);
    expect((await hosts('(filter: { labels: ["region"] })')).map((host) => host.name)).toEqual([EDGE]);
    expect(await hosts('(filter: { status: OFFLINE })')).toEqual([]);
    expect((await hosts('(first: 1)')).map((host) => host.name)).toEqual([EDGE]);
    const one = await graphql<{ host: HostAnswer | null; none: HostAnswer | null }>(
      api,
      `{ host(name: "${EDGE}") { name } none: host(name: "nowhere") { name } }`,
    );
    expect(one.data).toEqual({ host: { name: EDGE }, none: null });
    const listed = await rest(api, '/api/v1/hosts?label=role%3Dbuild');
    expect(listed.status).toBe(200);
    expect(listed.body.map((host: HostAnswer) => host.name)).toEqual([LOCAL]);
  });

  it('serves each host its own images, and asks which host when there are several', async () => {
    const edgeIds = idsOf((await edgeDocker(['image', 'ls', '-q', '--no-trunc'])).stdout);
    const answer = await graphql<{ images: { nodes: { id: string; host: string }[] } }>(
      api,
      `{ images(host: "${EDGE}", first: 100) { nodes { id host } } }`,
    );
    expect(answer.data!.images.nodes.map((image) => image.id).sort()).toEqual(edgeIds);
    expect(new Set(answer.data!.images.nodes.map((image) => image.host))).toEqual(new Set([EDGE]));

    const appA = env.fixtures.images.appA;
    const layers = await graphql<{
      image: { layers: { chainId: string; host: string; images: { id: string }[] }[] };
    }>(api, `{ image(ref: "${appA.ref}", host: "${EDGE}") { layers { chainId host images { id } } } }`);
    // On the edge host app-a is the only image holding its layers.
    for (const layer of layers.data!.image.layers) {
      expect(layer).toMatchObject({ host: EDGE, images: [{ id: appA.id }] });
    }

    const unnamed = await graphql(api, '{ images { totalCount } }');
    expect(unnamed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unnamed.errors?.[0]?.message).toMatch(/2 hosts/);
    const unknown = await graphql(api, '{ diskUsage(host: "nowhere") { totalSize } }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badName = await graphql(api, '{ tags(host: "No*Such") { reference } }');
    expect(badName.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const viaRest = await rest(api, `/api/v1/images?host=${EDGE}&first=100`);
    expect(viaRest.body.nodes.map((image: { id: string }) => image.id).sort()).toEqual(edgeIds);
    expect((await rest(api, '/api/v1/disk-usage')).body.code).toBe('BAD_USER_INPUT');
  });

  it('finds an image everywhere it is, by the id each host holds it under', async () => {
    const { appA, appB } = env.fixtures.images;
    const answer = await graphql<{ imageEverywhere: { host: { name: string }; image: { id: string } }[] }>(
      api,
      `{ a: imageEverywhere(ref: "${appA.ref}") { host { name } image { id } }
         b: imageEverywhere(ref: "${appB.ref}") { host { name } image { id } } }`,
    );
    const found = answer.data as unknown as Record<
      string,
      { host: { name: string }; image: { id: string } }[]
    >;
    expect(found['a']).toEqual([
      { host: { name: EDGE }, image: { id: appA.id } },
      { host: { name: LOCAL }, image: { id: appA.id } },
    ]);
    expect(found['b']).toEqual([{ host: { name: LOCAL }, image: { id: appB.id } }]);
    const everywhere = await rest(api, `/api/v1/image-everywhere?ref=${encodeURIComponent(appA.ref)}`);
    expect(everywhere.body.map((row: { host: { name: string } }) => row.host.name)).toEqual([EDGE, LOCAL]);
    const invalid = await graphql(api, '{ imageEverywhere(ref: "UPPER:case") { host { name } } }');
    expect(invalid.errors?.[0]?.extensions?.code).toBe('INVALID_REFERENCE');
  });

  it("relays a remote host's image events, and shows the change they announce", async () => {
    const events = subscribe<{ imageEvents: { action: string; host: string; ref: string | null } }>(
      api,
      `subscription { imageEvents(host: "${EDGE}") { action host ref } }`,
    );
    await events.ready;
    await edgeDocker(['image', 'tag', env.fixtures.images.appA.ref, `${repository}:v1`]);
    await eventually(async () => {
      expect(events.received.map(({ imageEvents }) => imageEvents)).toContainEqual({
        action: 'tag',
        host: EDGE,
        ref: `${repository}:v1`,
      });
    }, 10_000);
    const tagged = await graphql<{ image: { id: string } | null }>(
      api,
      `{ image(ref: "${repository}:v1", host: "${EDGE}") { id } }`,
    );
    expect(tagged.data!.image?.id).toBe(env.fixtures.images.appA.id);
    await events.close();
  });

  it("changes a remote host's images through its agent, and reads its own writes", async () => {
    const { appA } = env.fixtures.images;
    const tagged = await graphql<{ tagImage: { reference: string; image: { id: string; host: string } } }>(
      api,
      `mutation { tagImage(host: "${EDGE}", source: "${appA.ref}", target: "${repository}:changed") {
         reference image { id host } } }`,
      { token: TEST_TOKENS.write },
    );
    expect(tagged.errors).toBeUndefined();
    expect(tagged.data!.tagImage).toEqual({
      reference: `docker.io/library/${repository}:changed`,
      image: { id: appA.id, host: EDGE },
    });
    // Read-your-writes: the very next read shows it, and the host's own CLI agrees.
    const read = await graphql<{ image: { id: string } | null }>(
      api,
      `{ image(ref: "${repository}:changed", host: "${EDGE}") { id } }`,
    );
    expect(read.data!.image?.id).toBe(appA.id);
    expect(
      (await edgeDocker(['image', 'inspect', '--format', '{{.Id}}', `${repository}:changed`])).stdout.trim(),
    ).toBe(appA.id);
    // Not on the api's own daemon.
    expect(
      (
        await graphql<{ image: unknown }>(
          api,
          `{ image(ref: "${repository}:changed", host: "${LOCAL}") { id } }`,
        )
      ).data!.image,
    ).toBeNull();

    const untagged = await rest(
      api,
      `/api/v1/tags/${encodeURIComponent(`${repository}:changed`)}?host=${EDGE}`,
      {
        method: 'DELETE',
        token: TEST_TOKENS.write,
      },
    );
    expect(untagged.status).toBe(200);
    expect(untagged.body.untagged).toEqual([`${repository}:changed`]);
    expect(
      (
        await graphql<{ image: unknown }>(
          api,
          `{ image(ref: "${repository}:changed", host: "${EDGE}") { id } }`,
        )
      ).data!.image,
    ).toBeNull();
  });

  it("answers a remote host's refusals with the same codes as the api's own", async () => {
    const missing = await graphql(
      api,
      `mutation { untagImage(host: "${EDGE}", ref: "nothing-here:1") { untagged } }`,
      {
        token: TEST_TOKENS.write,
      },
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe('IMAGE_NOT_FOUND');
    const invalid = await graphql(
      api,
      `mutation { tagImage(host: "${EDGE}", source: "UPPER", target: "x:1") { reference } }`,
      {
        token: TEST_TOKENS.write,
      },
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe('INVALID_REFERENCE');
    const plan = await graphql<{ pruneImages: { deleted: string[] } }>(
      api,
      `mutation { pruneImages(host: "${EDGE}", all: true, dryRun: true) { deleted spaceReclaimed } }`,
      { token: TEST_TOKENS.write },
    );
    // app-a is tagged and unused on the edge host: -a would delete it.
    expect(plan.data!.pruneImages.deleted).toContain(env.fixtures.images.appA.id);
    const unnamed = await graphql(api, 'mutation { pruneImages(dryRun: true) { deleted } }', {
      token: TEST_TOKENS.write,
    });
    expect(unnamed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pulls on a remote host through its own queue, worked by its agent', async () => {
    const { appB } = env.fixtures.images;
    const queued = await pullImage(api, { ref: appB.registries.open.ref, host: EDGE });
    expect(queued.errors).toBeUndefined();
    expect(queued.job!.id).toMatch(new RegExp(`@${EDGE}$`));
    const job = await settled(api, queued.job!.id);
    expect(job).toMatchObject({ state: 'COMPLETED', imageId: appB.id });
    expect(job.progress.percent).toBe(100);
    // On the edge host, not on the api's own.
    expect(
      (await edgeDocker(['image', 'inspect', '--format', '{{.Id}}', appB.registries.open.ref])).stdout.trim(),
    ).toBe(appB.id);
    const listed = await graphql<{ jobs: { nodes: { id: string; host: string }[] } }>(
      api,
      `{ jobs(host: "${EDGE}") { nodes { id host } } }`,
    );
    expect(listed.data!.jobs.nodes).toContainEqual({ id: queued.job!.id, host: EDGE });
    const unnamed = await graphql(api, '{ jobs { totalCount } }');
    expect(unnamed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const viaRest = await rest(api, `/api/v1/jobs/${encodeURIComponent(queued.job!.id)}`);
    expect(viaRest.body).toMatchObject({ id: queued.job!.id, host: EDGE, state: 'COMPLETED' });
    expect((await rest(api, `/api/v1/jobs/${encodeURIComponent('1@nowhere')}`)).body.code).toBe(
      'JOB_NOT_FOUND',
    );
  });

  it('serves the docker CLI for a remote host at /hosts/<name>/engine, through its agent', async () => {
    const clis = new EngineClis(env);
    try {
      const edgeCli = clis.stevedore(api.url, TEST_TOKENS.write, 'edge', `/hosts/${EDGE}/engine`);
      const rowsOf = (stdout: string) => stdout.split('\n').filter(Boolean).sort();
      const list = ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'];
      await eventually(async () => {
        expect(rowsOf(await edgeCli.ok(list))).toEqual(rowsOf((await edgeDocker(list)).stdout));
      }, 10_000);
      // With several hosts, /engine names none: the CLI is told to pick one.
      const unnamed = await clis.stevedore(api.url, TEST_TOKENS.read, 'unnamed').run(['images']);
      expect(unnamed.code).toBe(1);
      expect(unnamed.stderr).toMatch(/host/i);
      const unknown = await clis
        .stevedore(api.url, TEST_TOKENS.read, 'nowhere', '/hosts/nowhere/engine')
        .run(['images']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/nowhere/);

      // A pull lands on the edge daemon, run by its agent, and shows in the edge host's inspect.
      const { configured } = env.fixtures.images;
      const ref = configured.registries.open.ref;
      expect(await edgeCli.ok(['pull', ref])).toContain(`Digest: ${configured.registries.open.digest}`);
      const id = ['image', 'inspect', '--format', '{{.Id}}', ref];
      expect((await edgeDocker(id)).stdout.trim()).toBe(configured.id);
      const fields = [
        'image',
        'inspect',
        '--format',
        '{{.Id}} {{.RepoTags}} {{.Config.Labels}} {{.Os}}/{{.Architecture}}',
        ref,
      ];
      expect(await edgeCli.ok(fields)).toBe((await edgeDocker(fields)).stdout.trim());
    } finally {
      clis.dispose();
    }
  });

  it('finishes a pull whose agent was SIGKILLed mid-pull once the agent is back', async () => {
    const { large } = env.fixtures.images;
    const queued = await pullImage(api, { ref: large.registries.open.ref, host: EDGE });
    expect(queued.errors).toBeUndefined();
    const id = queued.job!.id;
    await eventually(async () => expect((await getJob(api, id))?.state).toBe('ACTIVE'), 30_000);
    agent.child.kill('SIGKILL');
    await agent.exited();
    agent = startAgent();
    await agent.waitFor(/host registered/);
    const job = await settled(api, id, 120_000);
    expect(job).toMatchObject({ state: 'COMPLETED', imageId: large.id });
    expect(
      (
        await edgeDocker(['image', 'inspect', '--format', '{{.Id}}', large.registries.open.ref])
      ).stdout.trim(),
    ).toBe(large.id);
  });

  it('reads its own writes through another api process, which may die while this one serves', async () => {
    const other = await startApiProcess(
      serviceEnv(env, {
        STEVEDORE_STATE_DIR: join(tmp, 'other-api'),
        FLEET_KEY_PREFIX: prefix,
        STEVEDORE_HOST_NAME: LOCAL,
        // One agent per host: the in-process api's already publishes this one.
        AGENT_EMBEDDED: 'false',
        WORKER_EMBEDDED: 'false',
        FLEET_HEARTBEAT_SECONDS: '1',
        FLEET_OFFLINE_SECONDS: '3',
        LOG_LEVEL: 'warn',
      }),
    );
    try {
      await eventually(async () => {
        const seen = await graphql<{ images: { totalCount: number } }>(
          other.api,
          `{ images(host: "${EDGE}") { totalCount } }`,
        );
        expect(seen.data?.images.totalCount).toBeGreaterThan(0);
      }, 20_000);
      const { appA } = env.fixtures.images;
      for (let round = 0; round < 10; round++) {
        const target = `${repository}:rw-${round}`;
        const tagged = await graphql(
          api,
          `mutation { tagImage(host: "${EDGE}", source: "${appA.ref}", target: "${target}") { reference } }`,
          { token: TEST_TOKENS.write },
        );
        expect(tagged.errors).toBeUndefined();
        // At once, through the other process: it waits for the version its notice announced.
        const read = await graphql<{ image: { id: string } | null }>(
          other.api,
          `{ image(ref: "${target}", host: "${EDGE}") { id } }`,
        );
        expect(read.data?.image?.id).toBe(appA.id);
      }
      other.process.child.kill('SIGKILL');
      await other.process.exited();
      const still = await graphql<{ hosts: { name: string }[] }>(api, '{ hosts { name } }');
      expect(still.data?.hosts.map((host) => host.name)).toEqual([EDGE, LOCAL]);
    } finally {
      await other.process.stop(1_000);
    }
  });

  it('shows a host whose daemon stopped under its agent as DEGRADED, and ONLINE once it is back', async () => {
    await stopManagedDaemon(edgeDaemon);
    await eventually(async () => {
      const edge = (await hosts()).find((host) => host.name === EDGE)!;
      expect(edge).toMatchObject({ status: 'DEGRADED', stale: true });
    }, 15_000);
    // Its last catalogue is still served.
    const images = await graphql<{ images: { totalCount: number } }>(
      api,
      `{ images(host: "${EDGE}") { totalCount } }`,
    );
    expect(images.data?.images.totalCount).toBeGreaterThan(0);
    await launchDockerDaemon(edgeDaemon);
    await eventually(async () => {
      const edge = (await hosts()).find((host) => host.name === EDGE)!;
      expect(edge).toMatchObject({ status: 'ONLINE', stale: false });
    }, 20_000);
  });

  it('keeps serving the last catalogue of a host whose agent is gone, as stale and as of when', async () => {
    const before = await graphql<{ images: { totalCount: number } }>(
      api,
      `{ images(host: "${EDGE}") { totalCount } }`,
    );
    const killedAt = Date.now();
    agent.child.kill('SIGKILL');
    await agent.exited();
    await eventually(async () => {
      const edge = (await hosts()).find((host) => host.name === EDGE)!;
      expect(edge).toMatchObject({ status: 'OFFLINE', stale: true });
      expect(new Date(edge.asOf!).getTime()).toBeLessThanOrEqual(killedAt);
    }, 10_000);
    const after = await graphql<{ images: { totalCount: number } }>(
      api,
      `{ images(host: "${EDGE}") { totalCount } }`,
    );
    expect(after.data).toEqual(before.data);
    expect((await hosts('(filter: { status: OFFLINE })')).map((host) => host.name)).toEqual([EDGE]);
    const refused = await graphql(
      api,
      `mutation { tagImage(host: "${EDGE}", source: "${env.fixtures.images.appA.ref}", target: "${repository}:late") { reference } }`,
      { token: TEST_TOKENS.write },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('HOST_OFFLINE');

    // A job for it waits, then fails with HOST_OFFLINE once the agent is away past the deadline.
    const queued = await pullImage(api, { ref: env.fixtures.images.base.registries.open.ref, host: EDGE });
    expect(queued.job).toMatchObject({ state: 'QUEUED', id: expect.stringMatching(new RegExp(`@${EDGE}$`)) });
    const ended = await settled(api, queued.job!.id, 30_000);
    expect(ended).toMatchObject({ state: 'FAILED', error: { code: 'HOST_OFFLINE' } });
  });
});
