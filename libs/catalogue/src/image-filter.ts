import type { ImageRecord } from './image-record.js';
import { globToRegExp } from './glob.js';

/** The filters of `docker image ls --filter`, as the public ImageFilter input names them. */
export interface ImageFilter {
  /** Glob over familiar references (`acme/*:1.*`), matched like the daemon's FamiliarMatch. */
  readonly reference?: string;
  readonly dangling?: boolean;
  /** `key` or `key=value`; all must match. */
  readonly labels?: readonly string[];
  readonly official?: boolean;
}

export function matchesFilter(image: ImageRecord, filter: ImageFilter): boolean {
  if (filter.dangling !== undefined && image.dangling !== filter.dangling) return false;
  if (filter.official !== undefined && image.official !== filter.official) return false;
  if (filter.labels && !filter.labels.every((label) => hasLabel(image, label))) return false;
  if (filter.reference !== undefined) {
    const pattern = globToRegExp(filter.reference);
    // As reference.FamiliarMatch: the pattern may match the familiar name alone or name:tag.
    const matches = image.tags.some(
      (tag) => pattern.test(tag.familiar) || pattern.test(tag.familiar.slice(0, -(tag.tag.length + 1))),
    );
    if (!matches) return false;
  }
  return true;
}

function hasLabel(image: ImageRecord, label: string): boolean {
  const separator = label.indexOf('=');
  if (separator === -1) return Object.hasOwn(image.labels, label);
  return image.labels[label.slice(0, separator)] === label.slice(separator + 1);
}
