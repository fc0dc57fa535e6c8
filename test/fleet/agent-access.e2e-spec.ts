import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  agentRedisUrl,
  agentUsername,
  FleetKeys,
  grantAgentAccess,
  RedisHostDirectory,
  revokeAgentAccess,
} from '../../libs/fleet/src/index.js';
import { readTestEnvironment } from '../environment/index.js';
import { waitUntil } from '../environment/wait-until.js';
import { AGENT_SCRIPT, ensureBuilt, spawnService, type ServiceProcess } from '../support/processes.js';

/**
 * An agent's own Redis user, on the environment's real Redis: it does all an agent does for its
 * host, and Redis refuses it everything of another host, of the api, and of the server.
 */
const env = readTestEnvironment();
const HOST = 'edge-acl';
const OTHER = 'edge-other';

describe("an agent's Redis user", () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const keys = new FleetKeys(prefix);
  const admin = new Redis(env.redis.url);
  const directory = new RedisHostDirectory(env.redis.url, keys);
  let agentUrl: string;
  let asAgent: Redis;
  let agent: ServiceProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    const granted = await grantAgentAccess(admin, keys, HOST);
    agentUrl = agentRedisUrl(env.redis.url, granted);
    asAgent = new Redis(agentUrl, { maxRetriesPerRequest: 1 });
    // Revoking the user closes this connection, and its reconnections are refused: expected.
    asAgent.on('error', () => undefined);
    await admin.hset(keys.hostRecord(OTHER), 'name', OTHER);
  });

  afterAll(async () => {
    await agent?.stop();
    asAgent?.disconnect();
    await revokeAgentAccess(admin, HOST).catch(() => undefined);
    const left = await admin.keys(`${prefix}:*`);
    if (left.length > 0) await admin.del(...left);
    admin.disconnect();
    await directory.close();
  });

  const refused = (call: Promise<unknown>) => expect(call).rejects.toThrow(/NOPERM/);

  it('may use its own host keys and channels', async () => {
    await asAgent.hset(keys.hostRecord(HOST), 'probe', '1');
    expect(await asAgent.hget(keys.hostRecord(HOST), 'probe')).toBe('1');
    await asAgent.hdel(keys.hostRecord(HOST), 'probe');
    await asAgent.publish(keys.hostChanges(HOST), '{}');
    expect(await asAgent.brpop(keys.hostRequests(HOST), 0.1)).toBeNull();
  });

  it("is refused another host's keys and channels, the api's keys, and the server's commands", async () => {
    await refused(asAgent.hgetall(keys.hostRecord(OTHER)));
    await refused(asAgent.hset(keys.hostRecord(OTHER), 'name', 'taken'));
    await refused(asAgent.del(keys.hostCatalogue(OTHER)));
    await refused(asAgent.lpush(keys.hostRequests(OTHER), '{}'));
    await refused(asAgent.publish(keys.hostChanges(OTHER), '{}'));
    await refused(asAgent.publish(keys.hostAnswers(OTHER), '{}'));
    // A script is checked key by key and channel by channel too.
    await refused(asAgent.eval("return redis.call('HGETALL', KEYS[1])", 1, keys.hostRecord(OTHER)));
    // The api's own keys (jobs, audit, rate limits) and listing keys at all.
    await refused(asAgent.get('stevedore:audit'));
    await refused(asAgent.xlen('bull:stevedore-images:events'));
    await refused(asAgent.scan('0', 'MATCH', `${prefix}:*`));
    await refused(asAgent.keys('*'));
    await refused(asAgent.randomkey());
    await refused(asAgent.call('PUBSUB', 'CHANNELS'));
    await refused(asAgent.call('SCRIPT', 'FLUSH'));
    await refused(asAgent.call('FUNCTION', 'FLUSH'));
    await refused(asAgent.call('CONFIG', 'GET', '*'));
    await refused(asAgent.flushall());
    await refused(asAgent.call('ACL', 'LIST'));
    expect(await admin.hget(keys.hostRecord(OTHER), 'name')).toBe(OTHER);
  });

  it('is all a real agent needs: it registers, heartbeats and publishes as that user', async () => {
    agent = spawnService(AGENT_SCRIPT, {
      DOCKER_HOST: env.docker.host,
      REDIS_URL: agentUrl,
      STEVEDORE_HOST_NAME: HOST,
      FLEET_KEY_PREFIX: prefix,
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '3',
      LOG_FORMAT: 'json',
    });
    await agent.waitFor(/host registered/);
    await waitUntil(async () => Number(await admin.hget(keys.hostCatalogue(HOST), 'version')) > 0, {
      what: 'a published catalogue',
      timeoutMs: 15_000,
    });
    expect((await directory.get(HOST))?.engineReachable).toBe(true);
    // The password never reaches its log.
    expect(agent.output()).not.toContain(new URL(agentUrl).password);
    expect(agent.output()).toContain(agentUsername(HOST));
  });

  it('is cut off once revoked', async () => {
    await revokeAgentAccess(admin, HOST);
    await agent!.waitFor(/heartbeat failed/, 10_000);
  });
});
