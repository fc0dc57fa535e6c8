import { DEFAULT_TAG } from './image-reference.js';
import type { ImageReference } from './image-reference.js';
import { parseReference } from './parse-reference.js';

/**
 * `TagNameOnly` of normalize.go: adds the `latest` tag when the reference has neither a tag nor a digest,
 * which is what `docker pull nginx` pulls. A digest alone already names one image, so it gets no tag.
 */
export function withDefaultTag(ref: ImageReference): ImageReference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return Object.freeze({ ...ref, tag: DEFAULT_TAG });
}

/**
 * `ParseDockerRef` of normalize.go: parseReference, then either the digest alone (a reference with both a tag
 * and a digest is pinned by the digest; the daemon ignores the tag) or withDefaultTag.
 * `busybox` → `docker.io/library/busybox:latest`; `x:1@sha256:…` → `docker.io/library/x@sha256:…`.
 */
export function parseDockerRef(input: string): ImageReference {
  const ref = parseReference(input);
  if (ref.tag !== undefined && ref.digest !== undefined) {
    return Object.freeze({ domain: ref.domain, path: ref.path, digest: ref.digest });
  }
  return withDefaultTag(ref);
}
