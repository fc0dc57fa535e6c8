import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FleetKeys, RedisHostDirectory, type HostRegistration } from '../../libs/fleet/src/index.js';
import { readTestEnvironment } from '../environment/index.js';

/**
 * The host directory (issue 14, first step) against the environment's real Redis, under a key
 * prefix of its own so that it shares Redis with the other suites without touching their keys.
 */
const env = readTestEnvironment();

describe('RedisHostDirectory', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const keys = new FleetKeys(prefix);
  const directory = new RedisHostDirectory(env.redis.url, keys);
  const redis = new Redis(env.redis.url);
  const registration = (name: string, labels: Record<string, string> = {}): HostRegistration => ({
    name,
    labels,
    engine: {
      version: '20.10.24',
      apiVersion: '1.41',
      os: 'linux',
      architecture: 'x86_64',
      cpus: 2,
      memoryBytes: 8e9,
    },
    agentVersion: '0.1.0',
  });

  afterAll(async () => {
    const left = await redis.keys(`${prefix}:*`);
    if (left.length > 0) await redis.del(...left);
    await directory.close();
    redis.disconnect();
  });

  it('registers hosts and lists them by name, with what they registered', async () => {
    const at = new Date('2026-12-02T10:00:00.000Z');
    await directory.register(registration('edge-2', { region: 'eu' }), { engineReachable: true, at });
    await directory.register(registration('build-1', { role: 'build' }), { engineReachable: true, at });
    const hosts = await directory.list();
    expect(hosts.map((host) => host.name)).toEqual(['build-1', 'edge-2']);
    expect(hosts[1]).toEqual({
      ...registration('edge-2', { region: 'eu' }),
      registeredAt: at,
      lastHeartbeatAt: at,
      engineReachable: true,
    });
    // Where an agent's ACL user may write: the record lies under its host's pattern.
    expect(await redis.exists(keys.hostRecord('edge-2'))).toBe(1);
  });

  it('takes heartbeats of registered hosts only', async () => {
    const at = new Date('2026-12-02T10:00:30.000Z');
    expect(await directory.heartbeat('build-1', { engineReachable: false, at })).toBe(true);
    expect(await directory.get('build-1')).toMatchObject({ lastHeartbeatAt: at, engineReachable: false });
    expect(await directory.heartbeat('never-registered', { engineReachable: true, at })).toBe(false);
    expect(await directory.get('never-registered')).toBeNull();
    expect(await redis.exists(keys.hostRecord('never-registered'))).toBe(0);
  });

  it('refuses a name that could widen a key pattern, before Redis is asked', async () => {
    await expect(
      directory.register(registration('a*'), { engineReachable: true, at: new Date() }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(directory.get('{host:x}')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it("takes a host's name from its key, and skips a record that does not parse", async () => {
    const at = new Date('2026-12-02T11:00:00.000Z');
    await directory.register(registration('forger'), { engineReachable: true, at });
    // An agent writes only its own record, but anything into it.
    await redis.hset(keys.hostRecord('forger'), 'name', 'build-1');
    expect((await directory.list()).filter((host) => host.name === 'build-1')).toHaveLength(1);
    expect(await directory.get('forger')).toMatchObject({ name: 'forger' });
    for (const [field, value] of [
      ['lastHeartbeatAt', 'yesterday'],
      ['labels', 'null'],
      ['engine', '{"version": 7}'],
    ]) {
      await directory.register(registration('forger'), { engineReachable: true, at });
      await redis.hset(keys.hostRecord('forger'), field!, value!);
      expect(await directory.get('forger')).toBeNull();
      expect((await directory.list()).map((host) => host.name)).not.toContain('forger');
    }
  });

  it('answers QUEUE_UNAVAILABLE when Redis does not answer', async () => {
    const away = new RedisHostDirectory('redis://127.0.0.1:1', keys);
    try {
      await expect(away.list()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    } finally {
      await away.close();
    }
  });
});
