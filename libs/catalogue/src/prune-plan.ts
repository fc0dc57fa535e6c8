import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import type { ImageRecord } from './image-record.js';

export interface PruneRequest {
  /** Every image without a container (`docker image prune -a`), not only dangling ones. */
  readonly all: boolean;
  /** Only images created before this time. */
  readonly until?: Date;
  /** `key` or `key=value`; all must match the image's labels. */
  readonly labels?: readonly string[];
  readonly dryRun: boolean;
}

/**
 * What `docker image prune` would delete, worked out from the catalogue as the daemon does it
 * (daemon/images/image_prune.go): the candidate images, their untagged parents left without
 * children, and every layer no remaining image holds; the space is those layers' sizes.
 */
export interface PrunePlan {
  readonly deleted: string[];
  readonly spaceReclaimed: number;
}

export function planPrune(snapshot: CatalogueSnapshot, request: PruneRequest): PrunePlan {
  const children = new Map<string, string[]>();
  for (const image of snapshot.images) {
    if (image.parentId) children.set(image.parentId, [...(children.get(image.parentId) ?? []), image.id]);
  }
  const hasChildren = (image: ImageRecord) => (children.get(image.id)?.length ?? 0) > 0;
  const unreferenced = (image: ImageRecord) => image.repoTags.length === 0 && image.repoDigests.length === 0;

  const candidates = snapshot.images.filter(
    (image) =>
      !(unreferenced(image) && hasChildren(image)) &&
      (request.all || (!hasChildren(image) && image.repoTags.length === 0)) &&
      (request.until === undefined || image.created.getTime() <= request.until.getTime()) &&
      (request.labels ?? []).every((label) => hasLabel(image, label)) &&
      // The daemon refuses, and prune skips, an image a container uses.
      image.containers.length === 0,
  );

  const deleted = new Set(candidates.map((image) => image.id));
  // With prune, deleting an image also deletes its untagged parents once they have no children.
  for (const image of candidates) {
    let parent = snapshot.imagesById.get(image.parentId);
    while (
      parent &&
      !deleted.has(parent.id) &&
      unreferenced(parent) &&
      parent.containers.length === 0 &&
      (children.get(parent.id) ?? []).every((child) => deleted.has(child))
    ) {
      deleted.add(parent.id);
      parent = snapshot.imagesById.get(parent.parentId);
    }
  }

  const kept = new Set<string>();
  for (const image of snapshot.images) {
    if (!deleted.has(image.id)) for (const layer of image.layers) kept.add(layer.chainId);
  }
  const freed = new Map<string, number>();
  for (const id of deleted) {
    for (const layer of snapshot.imagesById.get(id)!.layers) {
      if (!kept.has(layer.chainId)) freed.set(layer.chainId, layer.size);
    }
  }
  return {
    deleted: [...deleted, ...freed.keys()],
    spaceReclaimed: [...freed.values()].reduce((sum, size) => sum + size, 0),
  };
}

function hasLabel(image: ImageRecord, label: string): boolean {
  const separator = label.indexOf('=');
  const labels = image.config.labels;
  if (separator === -1) return Object.hasOwn(labels, label);
  return labels[label.slice(0, separator)] === label.slice(separator + 1);
}
