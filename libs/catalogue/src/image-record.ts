import type { EngineImageConfig } from '#libs/docker';
import type { ImageLayer } from './layer-chain.js';

/** A local image as Stevedore serves it: the daemon's list row joined with its inspect data and layers. */
export interface ImageRecord {
  readonly id: string;
  readonly shortId: string;
  readonly parentId: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly tags: readonly TagRecord[];
  readonly dangling: boolean;
  /** Untagged, undigested and the parent of another image: hidden by `docker image ls` without -a. */
  readonly intermediate: boolean;
  readonly official: boolean;
  readonly created: Date;
  readonly size: number;
  /** Bytes of this image's layers that other (non-intermediate) local images also hold. */
  readonly sharedSize: number;
  readonly uniqueSize: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly config: EngineImageConfig;
  /** Diff ids, base first. */
  readonly diffIds: readonly string[];
  /** Read-only layers, base first. */
  readonly layers: readonly ImageLayer[];
  /** `docker image history`, newest first. */
  readonly history: readonly HistoryRecord[];
  /** Containers created from this image, running or not (sizes are not kept here). */
  readonly containers: readonly ContainerRecord[];
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

/** A row of `docker image history --no-trunc`. */
export interface HistoryRecord {
  /** Image id of the step, or `<missing>`. */
  readonly id: string;
  readonly created: Date | null;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly emptyLayer: boolean;
  /** Tags of the step's image (familiar form, as the daemon lists them). */
  readonly tags: readonly string[];
}

export interface ContainerRecord {
  readonly id: string;
  readonly name: string;
  readonly imageId: string;
  readonly state: string;
}

/** A layer of the host, once, with the images whose chain holds it. */
export interface LayerRecord {
  readonly chainId: string;
  readonly diffId: string;
  readonly position: number;
  readonly size: number;
  readonly createdBy: string | null;
  readonly created: Date | null;
  /** Non-intermediate local images holding the layer, newest first. */
  readonly imageIds: readonly string[];
}

/** `docker system df`, images row. */
export interface DiskUsageRecord {
  readonly imagesCount: number;
  readonly activeCount: number;
  readonly totalSize: number;
  readonly reclaimableSize: number;
}

/** `docker image ls` prints the first 12 hex digits of the id. */
export function shortIdOf(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
