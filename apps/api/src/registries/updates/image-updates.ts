import type { TagFinding } from '#libs/registry';
import type { ImageUpdate } from './image-update.model.js';

/**
 * An image's update over its tags: AVAILABLE when any tag has a newer image in its registry,
 * UP_TO_DATE when the others are, else UNKNOWN with the first reason. A finding counts only
 * while its tag still names this image. Null before any check of its tags.
 */
/** What the aggregation reads of an image: its id and its tags' normalised references. */
export interface TaggedImage {
  readonly id: string;
  readonly tags: readonly { readonly reference: string }[];
}

export function imageUpdateOf(
  image: TaggedImage,
  findings: ReadonlyMap<string, TagFinding>,
): ImageUpdate | null {
  const own = image.tags
    .map((tag) => findings.get(tag.reference))
    .filter((finding): finding is TagFinding => finding !== undefined && finding.imageId === image.id);
  const chosen =
    own.find((finding) => finding.status === 'AVAILABLE') ??
    own.find((finding) => finding.status === 'UP_TO_DATE') ??
    own[0];
  return chosen ? updateView(chosen) : null;
}

export function updateView(finding: TagFinding): ImageUpdate {
  return {
    status: finding.status,
    remoteDigest: finding.remoteDigest,
    checkedAt: new Date(finding.checkedAt),
    reason: finding.reason,
  };
}

/** The ids of the images with an update available, for `images(filter: { updateAvailable })`. */
export function imagesWithUpdates(
  images: readonly TaggedImage[],
  findings: ReadonlyMap<string, TagFinding>,
): Set<string> {
  return new Set(
    images.filter((image) => imageUpdateOf(image, findings)?.status === 'AVAILABLE').map((image) => image.id),
  );
}
