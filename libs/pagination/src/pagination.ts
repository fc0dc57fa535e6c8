import { BadUserInputError } from '#libs/errors';

export const MAX_PAGE_SIZE = 1000;

export interface Page<T> {
  readonly totalCount: number;
  readonly nodes: readonly T[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/**
 * Cursor pagination over an already ordered list. A cursor names the last item seen by its
 * key, so a page stays correct when items before it come and go; a key that vanished still
 * resumes at the next item, since the list is ordered by `compare` over the same keys.
 */
export function paginate<T>(
  items: readonly T[],
  options: {
    first: number;
    after?: string | null;
    keyOf: (item: T) => string;
    /** Where a cursor's key falls against an item's: negative when the item comes after it. */
    compareKeyToItem: (key: string, item: T) => number;
  },
): Page<T> {
  if (!Number.isInteger(options.first) || options.first < 0 || options.first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(
      `first must be a whole number from 0 to ${MAX_PAGE_SIZE}; got ${options.first}.`,
    );
  }
  let start = 0;
  if (options.after !== undefined && options.after !== null) {
    const key = decodeCursor(options.after);
    start = items.findIndex((item) => options.compareKeyToItem(key, item) < 0);
    if (start === -1) start = items.length;
  }
  const nodes = items.slice(start, start + options.first);
  const last = nodes.at(-1);
  return {
    totalCount: items.length,
    nodes,
    pageInfo: {
      hasNextPage: start + nodes.length < items.length,
      endCursor: last === undefined ? null : encodeCursor(options.keyOf(last)),
    },
  };
}

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,2048}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  if (!text.startsWith(CURSOR_PREFIX)) {
    throw new BadUserInputError(
      `The cursor ${JSON.stringify(cursor.slice(0, 64))} is not one this service issued.`,
    );
  }
  return text.slice(CURSOR_PREFIX.length);
}
