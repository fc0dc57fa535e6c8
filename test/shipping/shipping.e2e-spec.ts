/**
 * What ships: the compose file as docker-compose resolves it (anchors merged, variables
 * substituted) and the Dockerfile's base image. Neither can run here (no images offline), so
 * the checks are on the resolved configuration.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const PASSWORD = 'f00dfeed'.repeat(8);

type Service = {
  security_opt?: string[];
  cap_drop?: string[];
  read_only?: boolean;
  mem_limit?: string | number;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target?: string })[];
};

async function resolvedCompose(env: NodeJS.ProcessEnv): Promise<{ services: Record<string, Service> }> {
  const { stdout } = await run('docker-compose', ['config'], { env: { PATH: process.env.PATH, ...env } });
  return parse(stdout) as { services: Record<string, Service> };
}

describe('docker-compose.yml', () => {
  it('refuses to start without a Redis password', async () => {
    await expect(resolvedCompose({})).rejects.toThrow(/REDIS_PASSWORD/);
  });

  it('gives Redis a password, and the api and the agent a REDIS_URL with it', async () => {
    const { services } = await resolvedCompose({ REDIS_PASSWORD: PASSWORD });
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--requirepass', PASSWORD]));
    for (const name of ['api', 'agent']) {
      expect(services[name]!.environment!.REDIS_URL).toBe(`redis://:${PASSWORD}@redis:6379`);
    }
  });

  it('runs every container without capabilities or privilege gain, on a read-only root, with a memory limit', async () => {
    const { services } = await resolvedCompose({ REDIS_PASSWORD: PASSWORD });
    expect(Object.keys(services).sort()).toEqual(['agent', 'api', 'redis', 'registry']);
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.security_opt]).toEqual([
        name,
        expect.arrayContaining(['no-new-privileges:true']),
      ]);
      expect([name, service.cap_drop]).toEqual([name, ['ALL']]);
      expect([name, service.read_only]).toEqual([name, true]);
      expect([name, service.mem_limit]).toEqual([name, expect.anything()]);
    }
  });
});

describe('docker-compose.yml, the api', () => {
  it('runs a set number of api processes: Node would count the host’s cores, not the container’s share', async () => {
    const { services } = await resolvedCompose({ REDIS_PASSWORD: PASSWORD });
    expect(services.api!.environment!.API_PROCESSES).toBe('2');
    const { services: scaled } = await resolvedCompose({ REDIS_PASSWORD: PASSWORD, API_PROCESSES: '4' });
    expect(scaled.api!.environment!.API_PROCESSES).toBe('4');
  });
});

describe('docker-compose.yml, the Docker socket', () => {
  const mountsSocket = (service: Service) =>
    (service.volumes ?? []).some((volume) =>
      (typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`).includes('docker.sock'),
    );

  it('is mounted into the agent only: the api holds none and says so', async () => {
    const { services } = await resolvedCompose({ REDIS_PASSWORD: PASSWORD });
    expect(
      Object.entries(services)
        .filter(([, service]) => mountsSocket(service))
        .map(([name]) => name),
    ).toEqual(['agent']);
    expect(services.api!.environment!.API_DOCKER).toBe('false');
    expect(services.api!.environment!.DOCKER_HOST).toBeUndefined();
    expect(services.agent!.command).toEqual(['node', 'dist/apps/agent/src/main.js']);
    expect(services.agent!.environment!.STEVEDORE_HOST_NAME).toBe('local');
  });
});

describe('Dockerfile', () => {
  it('builds on Node 24 LTS, pinned to an exact release', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    // Every stage uses that one image.
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(stages).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
  });
});
