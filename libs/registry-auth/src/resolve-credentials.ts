import { dockerConfigFile, type DockerConfigAuths } from './docker-config.js';
import {
  validateCredentials,
  type RegistryCredentials,
  type RegistryCredentialsInput,
} from './registry-credentials.js';

export interface ResolveCredentialsOptions {
  /** Credentials the client gave (validated here: a bad shape is a BadUserInputError). */
  readonly input?: RegistryCredentialsInput | null;
  /** The registry, as registryOf of `#libs/reference` gives it: `docker.io`, `host:port`. */
  readonly registryHost: string;
  /** The folder holding the Docker CLI's config.json (`DOCKER_CONFIG`); unset: no file is read. */
  readonly dockerConfigDir?: string;
}

export type CredentialsSource = 'input' | 'docker-config' | 'none';

export interface ResolvedCredentials {
  readonly credentials: RegistryCredentials | null;
  readonly source: CredentialsSource;
  /** The config.json that was consulted, when one was (for a one-time warning about its helpers). */
  readonly dockerConfig?: DockerConfigAuths;
}

/**
 * The credentials for a pull or push: the client's, else the config.json entry of the registry,
 * else null. The file is re-read when it has changed since the last call. Throws
 * BadUserInputError for a bad input and DockerConfigError for an unreadable file.
 */
export function resolveCredentials(options: ResolveCredentialsOptions): RegistryCredentials | null {
  return resolveCredentialsWithSource(options).credentials;
}

/** resolveCredentials, also saying where the credentials came from (for logs). */
export function resolveCredentialsWithSource(options: ResolveCredentialsOptions): ResolvedCredentials {
  if (options.input !== undefined && options.input !== null) {
    return { credentials: validateCredentials(options.input), source: 'input' };
  }
  if (options.dockerConfigDir === undefined || options.dockerConfigDir === '') {
    return { credentials: null, source: 'none' };
  }
  const dockerConfig = dockerConfigFile(options.dockerConfigDir).current();
  const credentials = dockerConfig.credentialsFor(options.registryHost);
  return { credentials, source: credentials === null ? 'none' : 'docker-config', dockerConfig };
}
