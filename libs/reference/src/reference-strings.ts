import { looksLikeDomain } from './docker-domain.js';
import { DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX } from './image-reference.js';
import type { ImageReference } from './image-reference.js';

/** `Name()` of reference.go: domain and path, e.g. `docker.io/library/nginx`. */
export function normalizedName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/**
 * `FamiliarName` (familiarizeName of normalize.go): the name as `docker image ls` shows it. Docker Hub drops
 * `docker.io/`, and official images also drop `library/` (`nginx`), but only for a single remaining component,
 * as in Go.
 *
 * Unlike Go, `docker.io/` stays when dropping it would make the first path component read as a registry
 * (`docker.io/foo.bar/app` stays as is, where Go prints `foo.bar/app`, which re-parses as registry `foo.bar`),
 * so a familiar name always parses back to the same reference.
 */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return normalizedName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const official = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!official.includes('/')) return official;
  }
  const slash = ref.path.indexOf('/');
  if (slash >= 0 && looksLikeDomain(ref.path.slice(0, slash))) return normalizedName(ref);
  return ref.path;
}

function suffix(ref: ImageReference): string {
  return (ref.tag === undefined ? '' : `:${ref.tag}`) + (ref.digest === undefined ? '' : `@${ref.digest}`);
}

/** `String()` of a normalised reference: `docker.io/library/nginx:1.27`, with `@digest` when present. */
export function toNormalizedString(ref: ImageReference): string {
  return normalizedName(ref) + suffix(ref);
}

/** `FamiliarString`: `nginx:1.27`, `acme/app@sha256:…`, `127.0.0.1:5000/x:1`. */
export function toFamiliarString(ref: ImageReference): string {
  return familiarName(ref) + suffix(ref);
}

/**
 * Whether the reference names a Docker Official Image: a single-component repository in Docker Hub's
 * `library/` namespace. This is moby's RepositoryInfo.Official rule (Docker Hub, and a familiar name without '/').
 */
export function isOfficial(ref: ImageReference): boolean {
  return (
    ref.domain === DEFAULT_DOMAIN &&
    ref.path.startsWith(OFFICIAL_REPO_PREFIX) &&
    !ref.path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')
  );
}

/**
 * The registry the reference lives in, as Docker names it: `docker.io` for Docker Hub (the Hub's API host
 * registry-1.docker.io and its credential key https://index.docker.io/v1/ are transport details), else the
 * domain with its port. The empty string for the domain-less corner case described on ImageReference.domain.
 */
export function registryOf(ref: ImageReference): string {
  return ref.domain;
}
