import type { EngineImageConfig } from '#libs/docker';

/** A local image as Stevedore serves it: the daemon's list row joined with its inspect data. */
export interface ImageRecord {
  readonly id: string;
  readonly shortId: string;
  readonly parentId: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly tags: readonly TagRecord[];
  readonly dangling: boolean;
  readonly official: boolean;
  readonly created: Date;
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly config: EngineImageConfig;
  /** Diff ids, base first. */
  readonly diffIds: readonly string[];
}

/** One name of an image (`docker image tag`), in both the normalised and the familiar form. */
export interface TagRecord {
  /** docker.io/library/nginx:1.27 */
  readonly reference: string;
  /** nginx:1.27 */
  readonly familiar: string;
  readonly registry: string;
  /** Normalised repository path without the registry, e.g. library/nginx. */
  readonly repository: string;
  readonly tag: string;
  /** An official image name: docker.io/library/<name>. */
  readonly official: boolean;
  readonly imageId: string;
}

/** `docker image ls` prints the first 12 hex digits of the id. */
export function shortIdOf(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
