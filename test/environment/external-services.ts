import { runDocker } from './docker-cli.js';
import { httpRequest } from './http-request.js';
import { redisPing } from './redis.js';
import type { AuthRegistryInfo, ExternalDockerDaemon, RedisInfo, RegistryInfo } from './types.js';

/** Services named by environment variables, used instead of starting our own. */
export interface ExternalServices {
  docker?: ExternalDockerDaemon;
  openRegistry?: RegistryInfo;
  authRegistry?: AuthRegistryInfo;
  redis?: RedisInfo;
}

/**
 * Reads DOCKER_HOST, TEST_REGISTRY, TEST_AUTH_REGISTRY (+ _USER, _PASSWORD) and REDIS_URL.
 * Registries are `host:port` of plain-HTTP registries (e.g. `docker run -p 5000:5000 registry:2`).
 */
export function readExternalServices(vars: NodeJS.ProcessEnv): ExternalServices {
  const services: ExternalServices = {};
  const dockerHost = nonEmpty(vars.DOCKER_HOST);
  if (dockerHost !== undefined) {
    const socketPath = dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
    services.docker = { managed: false, host: dockerHost, socketPath };
  }
  const openHost = nonEmpty(vars.TEST_REGISTRY);
  if (openHost !== undefined) services.openRegistry = externalRegistry(openHost, 'TEST_REGISTRY');
  const authHost = nonEmpty(vars.TEST_AUTH_REGISTRY);
  const username = nonEmpty(vars.TEST_AUTH_REGISTRY_USER);
  const password = nonEmpty(vars.TEST_AUTH_REGISTRY_PASSWORD);
  if (authHost !== undefined || username !== undefined || password !== undefined) {
    if (authHost === undefined || username === undefined || password === undefined) {
      throw new Error(
        'set all of TEST_AUTH_REGISTRY, TEST_AUTH_REGISTRY_USER and TEST_AUTH_REGISTRY_PASSWORD, or none',
      );
    }
    services.authRegistry = {
      ...externalRegistry(authHost, 'TEST_AUTH_REGISTRY'),
      credentials: { username, password },
    };
  }
  const redisUrl = nonEmpty(vars.REDIS_URL);
  if (redisUrl !== undefined) {
    const url = new URL(redisUrl);
    services.redis = { managed: false, url: redisUrl, host: url.hostname, port: Number(url.port || 6379) };
  }
  return services;
}

/** Fails early, with the variable to blame, when a named service does not answer. */
export async function checkExternalServices(
  services: ExternalServices,
  env: { dockerConfigDir: string },
): Promise<void> {
  const checks: Promise<void>[] = [];
  const docker = services.docker;
  if (docker !== undefined) {
    checks.push(
      runDocker(
        { docker, dockerConfigDir: env.dockerConfigDir },
        ['version', '--format', '{{.Server.Version}}'],
        {
          timeoutMs: 20_000,
        },
      ).then(
        () => undefined,
        (error: Error) =>
          Promise.reject(new Error(`DOCKER_HOST=${docker.host} does not answer: ${error.message}`)),
      ),
    );
  }
  if (services.openRegistry) checks.push(expectStatus(services.openRegistry, [200], 'TEST_REGISTRY'));
  if (services.authRegistry) {
    checks.push(expectStatus(services.authRegistry, [401], 'TEST_AUTH_REGISTRY'));
    const { credentials } = services.authRegistry;
    checks.push(expectStatus(services.authRegistry, [200], 'TEST_AUTH_REGISTRY_USER/_PASSWORD', credentials));
  }
  const redis = services.redis;
  // A password-protected Redis answers PING with -NOAUTH; reaching it is all we check then.
  if (redis !== undefined && !new URL(redis.url).password) {
    checks.push(
      redisPing(redis.host, redis.port).then((pong) => {
        if (!pong) throw new Error(`REDIS_URL=${redis.url} does not answer PING`);
      }),
    );
  }
  await Promise.all(checks);
}

function externalRegistry(host: string, variable: string): RegistryInfo {
  if (host.includes('/')) throw new Error(`${variable} must be host:port, not a URL: ${host}`);
  return { managed: false, host, url: `http://${host}` };
}

async function expectStatus(
  registry: RegistryInfo,
  statuses: number[],
  variable: string,
  credentials?: { username: string; password: string },
): Promise<void> {
  const answer = await httpRequest(`${registry.url}/v2/`, { credentials, timeoutMs: 5_000 }).catch(
    (error: Error) => {
      throw new Error(
        `${variable}: ${registry.url}/v2/ does not answer (${error.message}); a plain-HTTP registry is expected`,
      );
    },
  );
  if (!statuses.includes(answer.status)) {
    throw new Error(
      `${variable}: ${registry.url}/v2/ answered ${answer.status}, expected ${statuses.join(' or ')}`,
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
