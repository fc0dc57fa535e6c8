import type { ImageRecord } from './image-record.js';
import { compileGlob } from './glob.js';

/** The filters of `docker image ls --filter`, as the public ImageFilter input names them. */
export interface ImageFilter {
  /** Glob over familiar references (`acme/*:1.*`), matched like the daemon's FamiliarMatch. */
  readonly reference?: string;
  readonly dangling?: boolean;
  /** `key` or `key=value`; all must match. */
  readonly labels?: readonly string[];
  readonly official?: boolean;
  /** With `imagesWithUpdates`: only the images whose registry holds a newer image (true), or the others. */
  readonly updateAvailable?: boolean;
  /** The ids of the images with an update available, as the update checks found them. */
  readonly imagesWithUpdates?: ReadonlySet<string>;
}

/**
 * The test of one filter, to run over many images. The reference glob is compiled (and validated:
 * BadUserInputError) here, once, whether or not any image is tested.
 */
export function imageFilterPredicate(filter: ImageFilter): (image: ImageRecord) => boolean {
  const glob = filter.reference === undefined ? undefined : compileGlob(filter.reference);
  return (image) => {
    if (filter.dangling !== undefined && image.dangling !== filter.dangling) return false;
    if (filter.official !== undefined && image.official !== filter.official) return false;
    if (filter.labels && !filter.labels.every((label) => hasLabel(image, label))) return false;
    if (
      filter.updateAvailable !== undefined &&
      (filter.imagesWithUpdates?.has(image.id) ?? false) !== filter.updateAvailable
    ) {
      return false;
    }
    // As reference.FamiliarMatch: the pattern may match the familiar name alone or name:tag.
    if (glob)
      return image.tags.some(
        (tag) => glob.matches(tag.familiar) || glob.matches(tag.familiar.slice(0, -(tag.tag.length + 1))),
      );
    return true;
  };
}

function hasLabel(image: ImageRecord, label: string): boolean {
  const separator = label.indexOf('=');
  if (separator === -1) return Object.hasOwn(image.labels, label);
  return image.labels[label.slice(0, separator)] === label.slice(separator + 1);
}
