import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { Redis } from 'ioredis';

import { httpRequest } from './http-request.js';
import {
  dockerDaemonPid,
  readTestEnvironment,
  runDocker,
  startDockerDaemon,
  startTestEnvironment,
  type StartedTestEnvironment,
  stopDockerDaemon,
} from './index.js';
import { isRunning } from './processes.js';

const env = readTestEnvironment();
const { images } = env.fixtures;
const docker = new Docker({ socketPath: env.docker.socketPath });
const fixtureRepositories = Object.values(images).map((image) => image.repository);

/** Every process whose command line mentions `text`, except pgrep's own shell. */
function pgrep(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', '--', text], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function catalog(registry: { url: string }, credentials?: { username: string; password: string }) {
  return httpRequest(`${registry.url}/v2/_catalog`, { credentials });
}

describe('test environment', () => {
  it('runs an isolated Docker daemon on its own socket', async () => {
    expect(env.docker.managed).toBe(true);
    expect(env.docker.socketPath?.startsWith(env.tmpDir)).toBe(true);
    expect((await docker.ping()).toString()).toBe('OK');
    const info = (await docker.info()) as { Driver: string; DockerRootDir: string };
    expect(info.Driver).toBe('vfs');
    expect(info.DockerRootDir.startsWith(env.tmpDir)).toBe(true);
  });

  // Containment only, here and below: other e2e files share the daemon and registries and may
  // pull, tag and push meanwhile. buildFixtures itself checks that no registry ref was left.
  it('has every fixture locally', async () => {
    const { stdout } = await runDocker(env, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    const expected = Object.values(images).flatMap((image) => image.refs);
    expect(stdout.trim().split('\n')).toEqual(expect.arrayContaining(expected));
  });

  it('builds app-a and app-b FROM base so that they share its two layers', () => {
    expect(images.base.layers).toHaveLength(2);
    for (const app of [images.appA, images.appB]) {
      expect(app.base).toBe('base');
      expect(app.layers).toHaveLength(3);
      expect(app.layers.slice(0, 2)).toEqual(images.base.layers);
    }
    expect(images.appA.layers[2]).not.toBe(images.appB.layers[2]);
  });

  it('puts three tags on the multi-tag image id', async () => {
    expect(images.multiTag.tags).toEqual(['1.0', '1', 'latest']);
    const ids = await Promise.all(
      images.multiTag.refs.map(async (ref) => (await docker.getImage(ref).inspect()).Id),
    );
    expect(new Set(ids)).toEqual(new Set([images.multiTag.id]));
  });

  it('declares config on the configured image', async () => {
    const { Config } = await docker.getImage(images.configured.ref).inspect();
    const declared = env.fixtures.configured;
    expect(Config.Labels).toEqual(declared.labels);
    // The legacy builder adds a default PATH.
    expect(Config.Env).toEqual(expect.arrayContaining(declared.env));
    expect(Config.Entrypoint).toEqual(declared.entrypoint);
    expect(Config.Cmd).toEqual(declared.cmd);
    expect(Config.WorkingDir).toBe(declared.workingDir);
    expect(Config.User).toBe(declared.user);
    expect(Object.keys(Config.Volumes ?? {}).sort()).toEqual(declared.volumes);
    expect(Object.keys(Config.ExposedPorts ?? {}).sort()).toEqual(declared.exposedPorts);
  });

  it('runs the busybox image, whose RUN step wrote its release file', async () => {
    const { releaseFile, releaseText } = env.fixtures.busybox;
    const { stdout } = await runDocker(env, ['run', '--rm', images.busybox.ref, 'cat', releaseFile]);
    expect(stdout.trim()).toBe(releaseText);
  }, 30_000);

  it('makes the large image of five ~10 MiB layers', () => {
    expect(images.large.layers).toHaveLength(env.fixtures.large.layerCount);
    expect(images.large.size).toBeGreaterThanOrEqual(
      env.fixtures.large.layerCount * env.fixtures.large.bytesPerLayer,
    );
  });

  it('pushed every fixture to the open registry', async () => {
    const answer = await catalog(env.registries.open);
    expect(answer.status).toBe(200);
    const { repositories } = JSON.parse(answer.body) as { repositories: string[] };
    expect(repositories).toEqual(expect.arrayContaining(fixtureRepositories));
    const tags = await httpRequest(`${env.registries.open.url}/v2/${images.multiTag.repository}/tags/list`);
    const { tags: pushedTags } = JSON.parse(tags.body) as { tags: string[] };
    expect(pushedTags).toEqual(expect.arrayContaining(images.multiTag.tags));
  });

  it('pushed every fixture to the auth registry, which wants credentials', async () => {
    expect((await catalog(env.registries.auth)).status).toBe(401);
    const answer = await catalog(env.registries.auth, env.registries.auth.credentials);
    expect(answer.status).toBe(200);
    const { repositories } = JSON.parse(answer.body) as { repositories: string[] };
    expect(repositories).toEqual(expect.arrayContaining(fixtureRepositories));
    expect(images.appA.registries.auth.ref).toBe(`${env.registries.auth.host}/stevedore-fixtures/app-a:1`);
    expect(images.appA.registries.auth.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('answers PING on Redis', async () => {
    const redis = new Redis(env.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

// Restarts and teardown are tried on a private environment: other e2e files share the global one.
describe('a private test environment', () => {
  let second: StartedTestEnvironment;

  beforeAll(async () => {
    // `env: {}`: this worker inherited DOCKER_HOST and REDIS_URL from global setup.
    second = await startTestEnvironment({ env: {} });
  }, 60_000);

  afterAll(async () => {
    if (existsSync(second.tmpDir)) await second.stop();
  }, 60_000);

  it('stops and restarts dockerd on the same socket and data root', async () => {
    const daemon = new Docker({ socketPath: second.docker.socketPath });
    await buildSleeperImage(second);
    const firstPid = dockerDaemonPid(second);
    expect(firstPid).toBeDefined();
    await stopDockerDaemon(second);
    expect(dockerDaemonPid(second)).toBeUndefined();
    await expect(daemon.ping()).rejects.toThrow();
    await startDockerDaemon(second);
    expect(dockerDaemonPid(second)).not.toBe(firstPid);
    expect((await daemon.getImage('sleeper').inspect()).RepoTags).toEqual(['sleeper:latest']);

    // A crash: dockerd SIGKILLed (containerd dies with it, the container's shim does not); the
    // restart must still come up, and stops the orphaned container (no live-restore).
    await runDocker(second, [
      'run',
      '--detach',
      '--name',
      'orphan',
      '--stop-timeout',
      '1',
      'sleeper',
      '/bin/busybox',
      'sleep',
      '4343',
    ]);
    await stopDockerDaemon(second, { crash: true });
    expect(pgrep('sleep 4343')).toHaveLength(1);
    await startDockerDaemon(second);
    expect((await daemon.ping()).toString()).toBe('OK');
    expect((await daemon.getContainer('orphan').inspect()).State.Running).toBe(false);
    expect(pgrep('sleep 4343')).toEqual([]);
  }, 60_000);

  it('stops without leaving a process, a container or a file behind', async () => {
    const redisPid = second.redis.process?.pid;
    // PID 1 without a SIGTERM handler ignores SIGTERM: the stop must neither wait out the
    // container's 10 s stop timeout nor leave it running.
    await runDocker(second, ['run', '--detach', 'sleeper', '/bin/busybox', 'sleep', '4242']);
    expect(pgrep('sleep 4242')).toHaveLength(1);
    expect(pgrep(second.tmpDir).length).toBeGreaterThan(0);
    const started = Date.now();
    await second.stop();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(pgrep(second.tmpDir)).toEqual([]);
    expect(pgrep('sleep 4242')).toEqual([]);
    expect(redisPid !== undefined && isRunning(redisPid)).toBe(false);
    expect(existsSync(second.tmpDir)).toBe(false);
  }, 60_000);
});

async function buildSleeperImage(target: StartedTestEnvironment): Promise<void> {
  const context = join(target.tmpDir, 'sleeper');
  mkdirSync(context, { recursive: true });
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
  await runDocker(target, ['build', '--quiet', '--tag', 'sleeper', context]);
}
