import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchDockerDaemon, planDockerDaemon } from './docker-daemon.js';
import { loginToAuthRegistry } from './docker-cli.js';
import { DESCRIPTION_FILE_NAME, OWNER_FILE_NAME, writeDescription } from './description-file.js';
import { checkExternalServices, type ExternalServices, readExternalServices } from './external-services.js';
import { timed } from './progress.js';
import { startRedis } from './redis.js';
import { randomCredentials, startRegistry } from './registry.js';
import { startSearchIndex } from './search-index.js';
import { startTokenRegistry } from './token-registry.js';
import { stopTestEnvironment, TMP_DIR_PREFIX, tearDown } from './stop-test-environment.js';
import type {
  AuthRegistryInfo,
  DockerDaemonInfo,
  ProcessRecord,
  RegistryInfo,
  StartedTestEnvironment,
  StartTestEnvironmentOptions,
  TestEnvironment,
} from './types.js';

/**
 * Starts an isolated dockerd, an open, an htpasswd-protected and a token-auth registry, a search
 * index stand-in, and Redis, each on its
 * own free port / socket in a fresh temp folder, and waits until every one of them answers.
 * DOCKER_HOST, TEST_REGISTRY, TEST_AUTH_REGISTRY(+_USER/_PASSWORD) and REDIS_URL replace the
 * matching service with an existing one. If anything fails, everything already started is
 * stopped again before the error is thrown.
 */
export async function startTestEnvironment(
  options: StartTestEnvironmentOptions = {},
): Promise<StartedTestEnvironment> {
  const log = options.log;
  const external = readExternalServices(options.env ?? process.env);
  const tmpDir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), TMP_DIR_PREFIX));
  writeFileSync(join(tmpDir, OWNER_FILE_NAME), `${process.pid}\n`);
  const dockerConfigDir = join(tmpDir, 'docker-config');
  log?.(`temp dir ${tmpDir}`);
  const started: ProcessRecord[] = [];
  const keep = <T extends { process?: ProcessRecord }>(service: T): T => {
    if (service.process) started.push(service.process);
    return service;
  };
  let docker: DockerDaemonInfo | undefined;
  try {
    const daemon = external.docker ?? planDockerDaemon(tmpDir, insecureRegistries(external));
    docker = daemon;
    // allSettled, not all: after one failure the others must have finished starting (or failed)
    // before the teardown, or a service that comes up a moment later would be left running.
    const results = await Promise.allSettled([
      external.openRegistry ??
        timed(log, 'open registry ready', () => startRegistry(tmpDir, 'registry-open')).then(keep),
      external.authRegistry ?? timed(log, 'auth registry ready', () => startAuthRegistry(tmpDir)).then(keep),
      external.redis ?? timed(log, 'redis ready', () => startRedis(tmpDir)).then(keep),
      timed(log, 'search index ready', () => startSearchIndex(tmpDir)).then(keep),
      timed(log, 'token registry ready', () => startTokenRegistry(tmpDir)).then((registry) => {
        started.push(registry.issuer.process);
        return keep(registry);
      }),
      daemon.managed ? timed(log, 'dockerd ready', () => launchDockerDaemon(daemon)) : undefined,
      checkExternalServices(external, { dockerConfigDir }),
    ]);
    const [open, auth, redis, searchIndex, token] = results;
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (
      open.status === 'rejected' ||
      auth.status === 'rejected' ||
      redis.status === 'rejected' ||
      searchIndex.status === 'rejected' ||
      token.status === 'rejected' ||
      failures.length > 0
    ) {
      throw failures.length === 1
        ? failures[0]
        : new AggregateError(failures, failures.map(String).join('; '));
    }
    const env: TestEnvironment = {
      version: 1,
      tmpDir,
      descriptionFile: join(tmpDir, DESCRIPTION_FILE_NAME),
      ownerPid: process.pid,
      startedAt: new Date().toISOString(),
      docker: daemon,
      registries: { open: open.value, auth: auth.value, token: token.value },
      searchIndex: searchIndex.value,
      redis: redis.value,
      dockerConfigDir,
    };
    await timed(log, 'docker login to the auth registry', () => loginToAuthRegistry(env));
    writeDescription(env);
    return { ...env, stop: () => stopTestEnvironment(env) };
  } catch (error) {
    // `started` covers Redis, which rewrites its command line; the rest is found by temp dir.
    await tearDown({ tmpDir, docker: docker?.managed ? docker : undefined, processes: started }).catch(
      (cleanup) => {
        log?.(`cleanup after failed start: ${(cleanup as Error).message}`);
      },
    );
    throw error;
  }
}

/** 127.0.0.0/8 is plain-HTTP by default; a TEST_REGISTRY elsewhere must be named to our dockerd. */
function insecureRegistries(external: ExternalServices): string[] {
  const isLoopback = (host: string) => /^(127\.|localhost:|\[::1\]:)/.test(host);
  return [external.openRegistry, external.authRegistry]
    .filter((registry): registry is RegistryInfo => registry !== undefined && !isLoopback(registry.host))
    .map((registry) => registry.host);
}

async function startAuthRegistry(tmpDir: string): Promise<AuthRegistryInfo> {
  const credentials = randomCredentials();
  const registry = await startRegistry(tmpDir, 'registry-auth', credentials);
  return { ...registry, credentials };
}
