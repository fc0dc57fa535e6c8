import { BadUserInputError, InvalidReferenceError } from '#libs/errors';
import { parseReference, type ImageReference } from '#libs/reference';
import { isDockerHub, keyHostname } from '#libs/registry-auth';

/** A host name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const REGISTRY_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/**
 * A registry's name as references carry it: `docker.io` for every Docker Hub spelling, lower case,
 * no scheme or path (`https://ghcr.io/v2/` is `ghcr.io`, as the Docker CLI reads config keys).
 */
export function registryName(text: string): string {
  const name = keyHostname(text.trim());
  if (isDockerHub(name)) return 'docker.io';
  const port = /:(\d+)$/.exec(name)?.[1];
  if (name === '' || name.length > 255 || !REGISTRY_NAME.test(name) || (port && Number(port) > 65535)) {
    throw new BadUserInputError(
      `"${text.slice(0, 100)}" is not a registry name: give a host with an optional port, like registry.example.com:5000.`,
    );
  }
  return name;
}

/** A repository named as in references, without tag or digest (`nginx` is docker.io/library/nginx). */
export function repositoryReference(text: string): ImageReference {
  const ref = parseReference(text);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InvalidReferenceError(text, 'name a repository, without a tag or digest');
  }
  return ref;
}

/** The normalised name of a repository: `docker.io/library/nginx`, `127.0.0.1:5000/app`. */
export function repositoryName(text: string): string {
  const ref = repositoryReference(text);
  return `${ref.domain}/${ref.path}`;
}
