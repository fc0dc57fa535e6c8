import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, LOCALHOST } from './image-reference.js';

/**
 * Whether splitDockerDomain (normalize.go) reads `component`, the text before the first '/', as a registry
 * rather than as the first path component: `localhost`, anything with a '.' or a ':' (`example.com`,
 * `127.0.0.1`, `registry:5000`, `[::1]:5000`), or anything with uppercase letters, since a path never has any.
 */
export function looksLikeDomain(component: string): boolean {
  return (
    component === LOCALHOST ||
    component.includes('.') ||
    component.includes(':') ||
    component.toLowerCase() !== component
  );
}

export interface DockerDomainSplit {
  /** The registry the name is for: the first component when it looks like one, else docker.io. */
  readonly domain: string;
  /** The rest of the name, not yet validated. */
  readonly remote: string;
  /** Docker Hub names with a single component live in the `library/` namespace: `ubuntu` is `library/ubuntu`. */
  readonly inLibrary: boolean;
}

/**
 * splitDockerDomain of normalize.go, applied to the name without its tag and digest (a valid tag or digest
 * contains no '/', so the first '/' Go finds is the same one). A name without any '/' is always a Docker Hub
 * name, even `localhost` or `example.com`, as in Go.
 */
export function splitDockerDomain(name: string): DockerDomainSplit {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remote: name, inLibrary: true };

  const first = name.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let remote = name;
  if (first === LEGACY_DEFAULT_DOMAIN) {
    remote = name.slice(slash + 1);
  } else if (looksLikeDomain(first)) {
    domain = first;
    remote = name.slice(slash + 1);
  }
  return { domain, remote, inLibrary: domain === DEFAULT_DOMAIN && !remote.includes('/') };
}
