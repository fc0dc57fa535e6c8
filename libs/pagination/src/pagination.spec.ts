import fc from 'fast-check';
import { DomainError } from '#libs/errors';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, paginate, type Page } from './pagination.js';

const byNumber = {
  keyOf: (n: number) => String(n),
  compareKeyToItem: (key: string, n: number) => Number(key) - n,
};

describe('paginate', () => {
  const items = [1, 2, 3, 4, 5, 6, 7];

  it('walks every item exactly once, page by page', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (values, size) => {
          const sorted = [...values].sort((a, b) => a - b);
          const seen: number[] = [];
          let after: string | null = null;
          for (;;) {
            const page: Page<number> = paginate(sorted, { first: size, after, ...byNumber });
            expect(page.totalCount).toBe(sorted.length);
            seen.push(...page.nodes);
            if (!page.pageInfo.hasNextPage) break;
            after = page.pageInfo.endCursor;
          }
          expect(seen).toEqual(sorted);
        },
      ),
    );
  });

  it('resumes after a cursor whose item has gone', () => {
    const first = paginate(items, { first: 3, ...byNumber });
    const withoutThree = items.filter((n) => n !== 3);
    const second = paginate(withoutThree, { first: 3, after: first.pageInfo.endCursor, ...byNumber });
    expect(second.nodes).toEqual([4, 5, 6]);
  });

  it('gives an empty last page a null cursor', () => {
    expect(paginate(items, { first: 0, ...byNumber }).pageInfo).toEqual({
      hasNextPage: true,
      endCursor: null,
    });
  });

  it.each([-1, 1.5, MAX_PAGE_SIZE + 1])('refuses first = %p as BAD_USER_INPUT', (first) => {
    expect(() => paginate(items, { first, ...byNumber })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
  });

  it('round-trips cursors and refuses ones it did not issue', () => {
    expect(decodeCursor(encodeCursor('["x",1]'))).toBe('["x",1]');
    fc.assert(
      fc.property(fc.string(), (cursor) => {
        try {
          decodeCursor(cursor);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }),
    );
    expect(() => decodeCursor('bm9wZQ')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
