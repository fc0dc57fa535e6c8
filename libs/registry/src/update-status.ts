import type { ErrorCode } from '#libs/errors';
import { parseReference } from '#libs/reference';

/** Whether a local tag still points at what its registry holds under that tag. */
export type UpdateStatus = 'UP_TO_DATE' | 'AVAILABLE' | 'UNKNOWN';

export interface UpdateFinding {
  readonly status: UpdateStatus;
  /** What the registry holds under the tag now, when it could be asked. */
  readonly remoteDigest: string | null;
  /** Why the status is UNKNOWN, in words; null otherwise. */
  readonly reason: string | null;
}

/** What a check knows of one local image: its tags and the digests it was pulled or pushed by. */
export interface LocalImageDigests {
  /** `RepoDigests`: `repository@sha256:…`, one per repository it came from or went to. */
  readonly repoDigests: readonly string[];
}

/** What the registry answered for the tag: its digest, or the contract code of its failure. */
export type RemoteAnswer = { readonly digest: string } | { readonly failure: ErrorCode };

/**
 * The finding for one tag of a local image (`repository:tag`, normalised). The image is up to
 * date when any of its RepoDigests for that repository equals the registry's digest for the tag;
 * RepoDigests hold the index digest for a multi-platform pull and the manifest digest otherwise,
 * and a HEAD of the tag answers what the registry holds at the top, so both compare as they are.
 */
export function updateFinding(
  tag: string,
  image: LocalImageDigests,
  remote: RemoteAnswer | null,
): UpdateFinding {
  const repository = repositoryOf(tag);
  if (image.repoDigests.length === 0) {
    return unknown('built or loaded locally: it has no digest from a registry');
  }
  const digests = image.repoDigests
    .filter((repoDigest) => repositoryOf(repoDigest) === repository)
    .map(digestOf);
  if (digests.length === 0) return unknown(`it has no digest from ${repository}`);
  if (remote === null) return unknown('not checked yet');
  if ('failure' in remote)
    return unknown(REASONS[remote.failure] ?? `the registry failed (${remote.failure})`);
  return digests.includes(remote.digest)
    ? { status: 'UP_TO_DATE', remoteDigest: remote.digest, reason: null }
    : { status: 'AVAILABLE', remoteDigest: remote.digest, reason: null };
}

/** Whether a check needs the registry's answer for this tag: the image has a digest from its repository. */
export function needsRemote(tag: string, image: LocalImageDigests): boolean {
  const repository = repositoryOf(tag);
  return image.repoDigests.some((repoDigest) => repositoryOf(repoDigest) === repository);
}

const REASONS: Partial<Record<ErrorCode, string>> = {
  REGISTRY_UNAUTHORIZED: 'unauthorized: the registry refused the credentials, or needs some',
  REGISTRY_UNREACHABLE: 'unreachable: the registry did not answer',
  RATE_LIMITED: 'rate limited by the registry',
  MANIFEST_UNKNOWN: 'the registry no longer has this tag',
};

function unknown(reason: string): UpdateFinding {
  return { status: 'UNKNOWN', remoteDigest: null, reason };
}

/** `docker.io/library/nginx` of `nginx:1`, `nginx@sha256:…` or `docker.io/library/nginx:1`. */
function repositoryOf(reference: string): string {
  const ref = parseReference(reference);
  return `${ref.domain}/${ref.path}`;
}

function digestOf(repoDigest: string): string {
  return repoDigest.slice(repoDigest.lastIndexOf('@') + 1);
}

/** A local tag to check, with the image it names. */
export interface UpdateTarget extends LocalImageDigests {
  /** Normalised `repository:tag`. */
  readonly tag: string;
  readonly imageId: string;
}

/**
 * The tags of local images to check: every tag, or the one `only` names (normalised). Dangling
 * entries (`<none>:<none>`) and digest references have no tag to follow.
 */
export function updateTargets(
  images: readonly { id: string; repoTags: readonly string[]; repoDigests: readonly string[] }[],
  only?: string,
): UpdateTarget[] {
  const targets: UpdateTarget[] = [];
  for (const image of images) {
    for (const repoTag of image.repoTags) {
      if (repoTag === '<none>:<none>') continue;
      let tag: string;
      try {
        const ref = parseReference(repoTag);
        if (ref.tag === undefined) continue;
        tag = `${ref.domain}/${ref.path}:${ref.tag}`;
      } catch {
        continue;
      }
      if (only === undefined || only === tag)
        targets.push({ tag, imageId: image.id, repoDigests: image.repoDigests });
    }
  }
  return targets;
}
