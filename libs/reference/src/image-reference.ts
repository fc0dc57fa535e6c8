/**
 * A parsed, normalised image reference: what `ParseNormalizedNamed` (distribution/reference normalize.go)
 * returns, as plain data. `docker.io/library/nginx:1.27` is `{ domain: 'docker.io', path: 'library/nginx',
 * tag: '1.27' }`.
 */
export interface ImageReference {
  /**
   * The registry host, with an optional port: `docker.io`, `localhost:5000`, `[::1]:5000`, `Registry.example`.
   * Docker Hub is always `docker.io` (never `index.docker.io`).
   *
   * It is the empty string in one corner the Go parser produces and this port keeps: a first component that
   * contains both '.' and '_' (like `my_host.local/app`) is not a valid hostname, but is a valid path component,
   * so Go's name regexp matches the whole name as a path with no domain. The Docker daemon stores such tags.
   */
  readonly domain: string;
  /** The repository path below the domain, e.g. `library/nginx` or `acme/app`; at most 255 characters. */
  readonly path: string;
  /** The tag without its ':', when the reference had one. */
  readonly tag?: string;
  /** The digest (`sha256:<64 hex>`, `sha384:<96 hex>`, `sha512:<128 hex>`) without its '@', when present. */
  readonly digest?: string;
}

// The Docker Hub constants of normalize.go.

/** The canonical Docker Hub domain that familiar names like `nginx` normalise to. */
export const DEFAULT_DOMAIN = 'docker.io';
/** The v1 "Docker Index" name of Docker Hub, still accepted and rewritten to DEFAULT_DOMAIN. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** The Docker Hub namespace of official images: `nginx` is `docker.io/library/nginx`. */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** The tag `docker pull nginx` means. */
export const DEFAULT_TAG = 'latest';
/** A host name that is a domain even without a '.' or a port. */
export const LOCALHOST = 'localhost';
/** RepositoryNameTotalLengthMax of reference.go: the longest repository path (domain excluded). */
export const REPOSITORY_PATH_MAX_LENGTH = 255;
/** The longest tag the tag production `[\w][\w.-]{0,127}` allows. */
export const TAG_MAX_LENGTH = 128;
