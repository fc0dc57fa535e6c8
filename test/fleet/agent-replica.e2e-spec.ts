import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  CatalogueReplicas,
  FleetKeys,
  hostStatus,
  RedisHostCatalogueStore,
  RedisHostDirectory,
} from '../../libs/fleet/src/index.js';
import type { CatalogueImageEvent } from '../../libs/catalogue/src/index.js';
import { readTestEnvironment, runDocker } from '../environment/index.js';
import { waitUntil } from '../environment/wait-until.js';

/** Polls a condition every 50 ms. */
const until = (what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000) =>
  waitUntil(async () => probe(), { what, timeoutMs, intervalMs: 50 });
import { AGENT_SCRIPT, ensureBuilt, spawnService, type ServiceProcess } from '../support/processes.js';

/**
 * An agent process beside the environment's real daemon publishes its host to the real Redis, and
 * a replica (the api's side) follows it: the same images as the daemon's own CLI lists, changes
 * made with the CLI, the host going OFFLINE with its catalogue kept when the agent is killed.
 * Keys live under a prefix of this suite's own.
 */
const env = readTestEnvironment();
const HOST = 'edge-1';

describe('an agent and the api replica of its catalogue', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const keys = new FleetKeys(prefix);
  const directory = new RedisHostDirectory(env.redis.url, keys);
  const store = new RedisHostCatalogueStore(env.redis.url, keys);
  const replicas = new CatalogueReplicas(
    store,
    async () => (await directory.list()).map((host) => host.name),
    { rescanMs: 500 },
  );
  const events: CatalogueImageEvent[] = [];
  const repository = `fleet-test-${randomBytes(3).toString('hex')}`;
  let agent: ServiceProcess;

  const startAgent = () =>
    spawnService(AGENT_SCRIPT, {
      DOCKER_HOST: env.docker.host,
      REDIS_URL: env.redis.url,
      STEVEDORE_HOST_NAME: HOST,
      STEVEDORE_HOST_LABELS: 'region=eu,role=edge',
      FLEET_KEY_PREFIX: prefix,
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '3',
      LOG_FORMAT: 'json',
    });

  const cliImageIds = async () => {
    const { stdout } = await runDocker(env, ['image', 'ls', '-a', '-q', '--no-trunc']);
    return [...new Set(stdout.split('\n').filter(Boolean))].sort();
  };

  beforeAll(async () => {
    ensureBuilt();
    agent = startAgent();
    await agent.waitFor(/host registered/);
    replicas.onImageEvent((host, event) => host === HOST && events.push(event));
    await replicas.start();
  });

  afterAll(async () => {
    await agent?.stop();
    await replicas.stop();
    await runDocker(env, ['image', 'rm', `${repository}:v1`]).catch(() => undefined);
    const redis = new Redis(env.redis.url);
    const left = await redis.keys(`${prefix}:*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
    await Promise.all([directory.close(), store.close()]);
  });

  it('registers the host with its labels and what its engine says of itself', async () => {
    const record = await directory.get(HOST);
    const { stdout } = await runDocker(env, ['version', '--format', '{{.Server.Version}} {{.Server.Os}}']);
    const [version, os] = stdout.trim().split(' ');
    expect(record).toMatchObject({
      name: HOST,
      labels: { region: 'eu', role: 'edge' },
      engine: { version, os },
      engineReachable: true,
    });
    expect(record!.engine!.cpus).toBeGreaterThan(0);
    expect(hostStatus(record!, new Date(), { offlineAfterMs: 3_000 })).toBe('ONLINE');
  });

  it('replicates the images the daemon lists, with their tags', async () => {
    await until('the first replica', () => replicas.get(HOST) !== null, 15_000);
    const { snapshot } = replicas.get(HOST)!;
    expect(snapshot.images.map((image) => image.id).sort()).toEqual(await cliImageIds());
    const fixtures = env.fixtures.images;
    const base = snapshot.find(fixtures.base.ref);
    expect(base?.id).toBe(fixtures.base.id);
    expect(base?.diffIds).toEqual(fixtures.base.layers);
    expect(snapshot.find(fixtures.multiTag.refs[1]!)?.id).toBe(fixtures.multiTag.id);
  });

  it('shows a tag made with the CLI, with its event, and its removal', async () => {
    const before = replicas.get(HOST)!.version;
    await runDocker(env, ['image', 'tag', env.fixtures.images.appA.ref, `${repository}:v1`]);
    await until('the tag', () => replicas.get(HOST)!.snapshot.find(`${repository}:v1`) !== null);
    expect(replicas.get(HOST)!.version).toBeGreaterThan(before);
    expect(replicas.get(HOST)!.snapshot.find(`${repository}:v1`)!.id).toBe(env.fixtures.images.appA.id);
    await until('the tag event', () =>
      events.some((event) => event.action === 'tag' && !!event.ref?.includes(repository)),
    );
    expect(events.find((event) => event.action === 'tag')).toMatchObject({
      imageId: env.fixtures.images.appA.id,
    });

    await runDocker(env, ['image', 'rm', `${repository}:v1`]);
    await until('the untag', () => replicas.get(HOST)!.snapshot.find(`${repository}:v1`) === null);
    await until('the untag event', () => events.some((event) => event.action === 'untag'));
  });

  it('waits for a version: reached() resolves once the replica shows it', async () => {
    const { version } = replicas.get(HOST)!;
    await expect(replicas.reached(HOST, version, 1_000)).resolves.toMatchObject({ version });
    const next = replicas.reached(HOST, version + 1, 10_000);
    await runDocker(env, ['image', 'tag', env.fixtures.images.appB.ref, `${repository}:v1`]);
    const shown = await next;
    expect(shown.version).toBeGreaterThan(version);
    expect(shown.snapshot.find(`${repository}:v1`)?.id).toBe(env.fixtures.images.appB.id);
    await expect(replicas.reached(HOST, shown.version + 1_000, 200)).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
  });

  it('numbers a version past every earlier one, even where the store lost the last ones (a failover)', async () => {
    const publication = {
      state: { takenAt: new Date(), summaries: [], containers: [] },
      addFacts: new Map<string, string>(),
      dropFacts: [],
      replaceFacts: true,
      events: [],
    };
    const first = await store.publish('lost-writes', publication);
    const second = await store.publish('lost-writes', publication);
    expect(second).toBeGreaterThan(first);
    // The replica a failover promotes had not received the second: it holds the first.
    const redis = new Redis(env.redis.url);
    try {
      await redis.hset(keys.hostCatalogue('lost-writes'), 'version', String(first));
    } finally {
      redis.disconnect();
    }
    // A counter would say `second` again, for content the api never saw under that number.
    expect(await store.publish('lost-writes', publication)).toBeGreaterThan(second);
  });

  it('keeps the catalogue of a host whose agent is gone, which turns OFFLINE past its deadline', async () => {
    const last = replicas.get(HOST)!;
    const killedAt = Date.now();
    agent.child.kill('SIGKILL');
    await agent.exited();
    await until(
      'the host OFFLINE',
      async () =>
        hostStatus((await directory.get(HOST))!, new Date(), { offlineAfterMs: 3_000 }) === 'OFFLINE',
    );
    expect(replicas.get(HOST)).toBe(last);
    // What the api shows as of when: the last sync before the agent went.
    expect(last.snapshot.takenAt.getTime()).toBeLessThanOrEqual(killedAt);
  });

  it('follows the host again when its agent comes back, from a later version', async () => {
    const { version } = replicas.get(HOST)!;
    agent = startAgent();
    await agent.waitFor(/host registered/);
    await until('a later version', () => replicas.get(HOST)!.version > version, 15_000);
    expect(
      replicas
        .get(HOST)!
        .snapshot.images.map((image) => image.id)
        .sort(),
    ).toEqual(await cliImageIds());
    expect(hostStatus((await directory.get(HOST))!, new Date(), { offlineAfterMs: 3_000 })).toBe('ONLINE');
  });
});
