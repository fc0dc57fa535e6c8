import { OFFICIAL_REPO_PREFIX, REPOSITORY_PATH_MAX_LENGTH } from './image-reference.js';
import type { ImageReference } from './image-reference.js';
import { digestProblem } from './digest.js';
import { splitDockerDomain } from './docker-domain.js';
import { domainProblem, isIdentifier, isPathComponent, pathComponentProblem, tagProblem } from './grammar.js';
import { invalidReference, quote } from './invalid-reference.js';

const UPPERCASE_REASON = 'repository name must be lowercase';

/** Thrown inside the parser and turned into an InvalidReferenceError for the whole input at the top. */
class Rejection {
  constructor(readonly reason: string) {}
}

function reject(reason: string): never {
  throw new Rejection(reason);
}

/**
 * Parses an image reference the way the Docker CLI and daemon do (`ParseNormalizedNamed` of
 * distribution/reference): `nginx` is `docker.io/library/nginx`, `acme/app:1` is `docker.io/acme/app:1`,
 * `index.docker.io/x` is `docker.io/library/x`, and `registry:5000/x@sha256:…` keeps its registry.
 * No default tag is added; see withDefaultTag and parseDockerRef.
 *
 * @throws InvalidReferenceError for every input that is not a reference, and never anything else.
 */
export function parseReference(input: string): ImageReference {
  if (typeof input !== 'string') throw invalidReference(`<${typeof input}>`, 'a reference must be a string');
  try {
    return parseNormalizedNamed(input);
  } catch (error) {
    if (error instanceof Rejection) throw invalidReference(input, error.reason);
    throw error;
  }
}

function parseNormalizedNamed(input: string): ImageReference {
  if (input === '') reject('the reference is empty');
  // Go refuses a bare 64-hex string as a name so that a repository can never be mistaken for an image ID.
  if (isIdentifier(input)) reject('a 64-character hexadecimal string is an image ID, not a repository name');

  // reference := name [":" tag] ["@" digest]. Neither name nor tag contains '@', so the first '@' starts the
  // digest. A ':' in the name only ever sits in the domain, which a '/' follows, so a ':' after the last '/'
  // is the tag separator. This split is the one the anchored Go regexp finds, without backtracking.
  const at = input.indexOf('@');
  const beforeDigest = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? undefined : input.slice(at + 1);
  const colon = beforeDigest.lastIndexOf(':');
  const hasTag = colon > beforeDigest.lastIndexOf('/');
  const name = hasTag ? beforeDigest.slice(0, colon) : beforeDigest;
  const tag = hasTag ? beforeDigest.slice(colon + 1) : undefined;

  if (beforeDigest.startsWith('[') && !beforeDigest.includes('/')) {
    // Without a '/', Go reads `[::1]:5000` as a Docker Hub name and tag; say what was probably meant instead.
    reject(
      'an IPv6 address can only be a registry host, followed by "/" and a repository path, like "[::1]:5000/app"',
    );
  }
  const { domain, path } = parseName(name);
  const tagIssue = tag === undefined ? undefined : tagProblem(tag);
  if (tagIssue !== undefined) reject(tagIssue);
  const digestIssue = digest === undefined ? undefined : digestProblem(digest);
  if (digestIssue !== undefined) reject(digestIssue);

  const reference: { domain: string; path: string; tag?: string; digest?: string } = { domain, path };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return Object.freeze(reference);
}

function parseName(name: string): { domain: string; path: string } {
  if (name === '') reject('the repository name is missing');
  const split = splitDockerDomain(name);
  // ParseNormalizedNamed checks case before the grammar, so `Ubuntu` gets this reason, not a grammar one.
  if (split.remote.toLowerCase() !== split.remote) reject(UPPERCASE_REASON);

  let domain = split.domain;
  let remote = split.remote;
  const problem = domainProblem(domain);
  if (problem !== undefined) {
    if (isPathComponent(domain)) {
      // Go's name regexp makes the domain optional, so a first component that looked like a registry but is
      // not a hostname (`my_host.local`) and is a valid path component becomes part of a domain-less path.
      domain = '';
      remote = name;
    } else if (domain.toLowerCase() !== domain && isPathComponent(domain.toLowerCase())) {
      reject(UPPERCASE_REASON);
    } else if (domain.endsWith(':') && remote.startsWith('/')) {
      reject(`a reference is not a URL: remove ${quote(`${domain}//`)}`);
    } else {
      reject(`the registry host ${quote(domain)} is invalid: ${problem}`);
    }
  }

  // path := path-component ["/" path-component]*, checked one component at a time without split(), so a huge
  // input costs no more than one pass.
  for (let start = 0; ;) {
    const slash = remote.indexOf('/', start);
    const componentProblem = pathComponentProblem(remote.slice(start, slash < 0 ? undefined : slash));
    if (componentProblem !== undefined) reject(componentProblem);
    if (slash < 0) break;
    start = slash + 1;
  }

  const prefix = split.inLibrary ? OFFICIAL_REPO_PREFIX : '';
  // The limit is on the path alone since distribution/reference PR #9 ("Exclude domain from name length check").
  const pathLength = prefix.length + remote.length;
  if (pathLength > REPOSITORY_PATH_MAX_LENGTH) {
    reject(
      `the repository path${prefix === '' ? '' : ` (with its implied "${prefix}")`} is ${pathLength} characters ` +
        `long; the limit is ${REPOSITORY_PATH_MAX_LENGTH}`,
    );
  }
  return { domain, path: prefix + remote };
}
