import type { RegistryCredentials } from '#libs/registry-auth';

/** Where a registry's entry came from, strongest first when two name the same registry. */
export type RegistrySource = 'API' | 'CONFIG_FILE' | 'DOCKER_CONFIG' | 'BUILT_IN';

export const REGISTRY_SOURCE_PRECEDENCE: readonly RegistrySource[] = [
  'API',
  'CONFIG_FILE',
  'DOCKER_CONFIG',
  'BUILT_IN',
];

/** A registry Stevedore knows by name, with what it needs to reach it. */
export interface KnownRegistry {
  /** As in references: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly name: string;
  readonly source: RegistrySource;
  readonly credentials?: RegistryCredentials;
  /** Plain HTTP (loopback registries are reached so anyway). */
  readonly insecure: boolean;
}
