import { BadUserInputError } from '#libs/errors';
import type { ImageRecord } from './image-record.js';

export const IMAGE_ORDER_FIELDS = ['CREATED', 'SIZE', 'REFERENCE'] as const;
export type ImageOrderField = (typeof IMAGE_ORDER_FIELDS)[number];
export const ORDER_DIRECTIONS = ['ASC', 'DESC'] as const;
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export interface ImageOrder {
  readonly field: ImageOrderField;
  readonly direction: OrderDirection;
}

/** `docker image ls` order. */
export const DEFAULT_IMAGE_ORDER: ImageOrder = { field: 'CREATED', direction: 'DESC' };

/**
 * Where an image sits in an ordering: untagged images after tagged ones whatever the direction
 * (for REFERENCE), then the field's value, then the id, so the order is total and a cursor key
 * has exactly one place in it.
 */
export interface ImageSortKey {
  readonly group: number;
  readonly value: number | string;
  readonly id: string;
}

export function sortKeyOf(image: ImageRecord, field: ImageOrderField): ImageSortKey {
  switch (field) {
    case 'CREATED':
      return { group: 0, value: image.created.getTime(), id: image.id };
    case 'SIZE':
      return { group: 0, value: image.size, id: image.id };
    case 'REFERENCE': {
      const first = image.tags.map((tag) => tag.familiar).sort()[0];
      return first === undefined
        ? { group: 1, value: '', id: image.id }
        : { group: 0, value: first, id: image.id };
    }
  }
}

export function compareSortKeys(a: ImageSortKey, b: ImageSortKey, direction: OrderDirection): number {
  if (a.group !== b.group) return a.group - b.group;
  const byValue = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (byValue !== 0) return direction === 'ASC' ? byValue : -byValue;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function encodeSortKey(key: ImageSortKey, order: ImageOrder): string {
  return JSON.stringify([order.field, order.direction, key.group, key.value, key.id]);
}

/** A cursor is valid only for the ordering that issued it. */
export function decodeSortKey(text: string, order: ImageOrder): ImageSortKey {
  try {
    const [field, direction, group, value, id] = JSON.parse(text) as unknown[];
    if (
      field === order.field &&
      direction === order.direction &&
      typeof group === 'number' &&
      (typeof value === 'number' || typeof value === 'string') &&
      typeof id === 'string'
    ) {
      return { group, value, id };
    }
  } catch {
    // fall through: a malformed key is the caller's bad cursor
  }
  throw new BadUserInputError('The cursor does not belong to an image listing in this order.');
}
