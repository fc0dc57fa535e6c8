import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CommandResult, runCommand } from './command.js';
import { findExecutable } from './executables.js';
import type { TestEnvironment } from './types.js';

/**
 * The environment for a docker CLI child: the environment's daemon and DOCKER_CONFIG, never the
 * user's context or ~/.docker. The legacy builder (DOCKER_BUILDKIT=0) because buildx may be
 * missing, as it is on Debian's docker.io; it prints a deprecation notice, which we swallow.
 */
export function dockerCliEnv(env: Pick<TestEnvironment, 'docker' | 'dockerConfigDir'>): NodeJS.ProcessEnv {
  const { DOCKER_CONTEXT: _context, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, ...inherited } = process.env;
  // TLS settings belong to an external daemon named by DOCKER_HOST, never to our unix socket.
  const tls = env.docker.managed ? {} : { DOCKER_TLS_VERIFY, DOCKER_CERT_PATH };
  return {
    ...inherited,
    ...tls,
    DOCKER_HOST: env.docker.host,
    DOCKER_CONFIG: env.dockerConfigDir,
    DOCKER_BUILDKIT: '0',
    DOCKER_CLI_HINTS: 'false',
  };
}

/** Runs `docker <args>` against the environment's daemon. */
export function runDocker(
  env: Pick<TestEnvironment, 'docker' | 'dockerConfigDir'>,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const docker = findExecutable(['docker'], 'install the docker CLI (docker.io or docker-ce-cli)');
  return runCommand(docker, args, { ...options, env: dockerCliEnv(env) });
}

/**
 * Makes a fresh DOCKER_CONFIG folder and logs in to the auth registry there.
 *
 * The config starts with an (empty) entry for that registry: the CLI only auto-detects a
 * credential helper (pass, secretservice) while a config has no auths at all, and a helper would
 * put the password in the user's keyring instead of this throwaway file.
 */
export async function loginToAuthRegistry(env: TestEnvironment): Promise<void> {
  const registry = env.registries.auth;
  mkdirSync(env.dockerConfigDir, { recursive: true });
  writeFileSync(join(env.dockerConfigDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: {} } }));
  const { username, password } = registry.credentials;
  await runDocker(env, ['login', '--username', username, '--password-stdin', registry.host], {
    input: password,
  });
}
