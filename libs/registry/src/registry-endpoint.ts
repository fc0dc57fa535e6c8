import type { RegistryCredentials } from '#libs/registry-auth';

/** Where Docker Hub's Distribution API answers for `docker.io`. */
export const DOCKER_HUB_API = 'https://registry-1.docker.io';

/** One registry as the client reaches it. */
export interface RegistryEndpoint {
  /** As in references: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly name: string;
  /** Scheme, host and port; the `/v2/` paths hang below it. */
  readonly baseUrl: string;
  readonly credentials?: RegistryCredentials;
}

/**
 * The endpoint of a registry name. Plain HTTP only where the daemon allows it too: a registry
 * marked insecure, and loopback hosts (the daemon trusts 127.0.0.0/8 and localhost by default).
 */
export function registryEndpoint(
  name: string,
  options: { insecure?: boolean; credentials?: RegistryCredentials } = {},
): RegistryEndpoint {
  const baseUrl =
    name === 'docker.io'
      ? DOCKER_HUB_API
      : `${options.insecure || isLoopback(name) ? 'http' : 'https'}://${name}`;
  return { name, baseUrl, credentials: options.credentials };
}

/** `localhost`, `127.x.y.z` or `[::1]`, with or without a port. */
export function isLoopback(name: string): boolean {
  const host = name.startsWith('[') ? name.slice(1, name.indexOf(']')) : name.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
