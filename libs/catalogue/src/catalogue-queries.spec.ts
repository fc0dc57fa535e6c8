import { AmbiguousReferenceError, BadUserInputError } from '#libs/errors';
import { findImage, searchImages, searchLayers, tagsOf, type ImageQuery } from './catalogue-queries.js';
import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import type { ImageRecord, LayerRecord } from './image-record.js';
import { IMAGE_ORDER_FIELDS, ORDER_DIRECTIONS, type ImageOrder } from './image-order.js';
import type { Page } from '#libs/pagination';
import { digestOf, fakeImage, snapshotOf, type FakeImageSpec } from './testing/fake-docker-engine.js';

const ids = {
  nginx: digestOf('11'),
  app1: digestOf('ab12'),
  app2: digestOf('ab34'),
  untagged: digestOf('cafe'),
  dangling: digestOf('d5'),
  local: digestOf('66'),
  latest: digestOf('77'),
  intermediate: digestOf('88'),
  tool: digestOf('99'),
};
const appDigest = `sha256:${'f'.repeat(64)}`;

function image(id: string, created: number, size: number, extra: Partial<FakeImageSpec> = {}) {
  return fakeImage({
    id,
    created,
    size,
    layers: [
      { diffId: digestOf('0'), size: 1 },
      { diffId: digestOf(`${id.slice(7, 11)}e`), size: size - 1 },
    ],
    ...extra,
  });
}

/** Ties on created and on size, several tags per image, untagged and intermediate images. */
const snapshot = snapshotOf([
  image(ids.nginx, 100, 500, { repoTags: ['nginx:1.27', 'nginx:latest'] }),
  image(ids.app1, 200, 500, { repoTags: ['acme/app:1', 'cafe:latest'] }),
  image(ids.app2, 200, 50, { repoTags: ['zeta:1', 'acme/app:2'] }),
  image(ids.untagged, 300, 70),
  image(ids.dangling, 400, 10),
  image(ids.local, 50, 900, { repoTags: ['localhost:5000/acme/app:1'] }),
  image(ids.latest, 350, 70, { repoTags: ['acme/app:latest'], repoDigests: [`acme/app@${appDigest}`] }),
  image(ids.intermediate, 150, 5),
  image(ids.tool, 160, 30, { repoTags: ['tool:1'], parentId: ids.intermediate }),
]);

function walk(
  snapshot: CatalogueSnapshot,
  query: Omit<ImageQuery, 'first' | 'after'>,
  first = 2,
): ImageRecord[] {
  const seen: ImageRecord[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page: Page<ImageRecord> = searchImages(snapshot, { ...query, first, after });
    expect(page.nodes.length).toBeLessThanOrEqual(first);
    seen.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return seen;
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

/** The value an image is ordered by: its time, its size, or its first familiar name (none: untagged). */
function valueOf(image: ImageRecord, field: ImageOrder['field']): number | string | null {
  if (field === 'CREATED') return image.created.getTime();
  if (field === 'SIZE') return image.size;
  return image.tags.map((tag) => tag.familiar).sort()[0] ?? null;
}

describe('searchImages', () => {
  const orders = IMAGE_ORDER_FIELDS.flatMap((field) =>
    ORDER_DIRECTIONS.map((direction) => ({ field, direction })),
  );

  describe.each(orders)('ordered by $field $direction', (orderBy) => {
    it.each([false, true])('walks every image exactly once, in order, page by page (all: %p)', (all) => {
      const expectedIds = snapshot.listed(all).map((image) => image.id);
      const seen = walk(snapshot, { orderBy, all });
      expect(seen.map((image) => image.id).sort()).toEqual([...expectedIds].sort());
      expect(new Set(seen.map((image) => image.id)).size).toBe(seen.length);
      expect(searchImages(snapshot, { orderBy, all, first: 1 }).totalCount).toBe(expectedIds.length);

      const values = seen.map((image) => valueOf(image, orderBy.field));
      for (let index = 1; index < values.length; index++) {
        const [previous, current] = [values[index - 1]!, values[index]!];
        if (current === null) continue; // untagged: last, whatever the direction
        expect(previous).not.toBeNull();
        if (orderBy.direction === 'ASC') expect(previous <= current).toBe(true);
        else expect(previous >= current).toBe(true);
      }
    });

    it('gives the same order whatever the page size', () => {
      const whole = searchImages(snapshot, { orderBy, first: 100 }).nodes.map((image) => image.id);
      expect(walk(snapshot, { orderBy }, 1).map((image) => image.id)).toEqual(whole);
      expect(walk(snapshot, { orderBy }, 3).map((image) => image.id)).toEqual(whole);
    });
  });

  it('sorts untagged images after tagged ones for REFERENCE, in both directions', () => {
    for (const direction of ORDER_DIRECTIONS) {
      const seen = walk(snapshot, { orderBy: { field: 'REFERENCE', direction } });
      expect(
        seen
          .slice(-2)
          .map((image) => image.id)
          .sort(),
      ).toEqual([ids.untagged, ids.dangling].sort());
    }
    const ascending = walk(snapshot, { orderBy: { field: 'REFERENCE', direction: 'ASC' } });
    expect(ascending.slice(0, 3).map((image) => image.id)).toEqual([ids.app1, ids.app2, ids.latest]);
  });

  it('defaults to newest first, as `docker image ls`', () => {
    const seen = walk(snapshot, {});
    expect(seen[0]!.id).toBe(ids.dangling);
    expect(seen.at(-1)!.id).toBe(ids.local);
    expect(seen.map((image) => image.id)).toEqual(
      walk(snapshot, { orderBy: { field: 'CREATED', direction: 'DESC' } }).map((image) => image.id),
    );
  });

  it('filters before paging', () => {
    const page = searchImages(snapshot, {
      filter: { reference: 'acme/*' },
      orderBy: { field: 'SIZE', direction: 'ASC' },
      first: 2,
    });
    expect(page.totalCount).toBe(3);
    expect(page.nodes.map((image) => image.id)).toEqual([ids.app2, ids.latest]);
    const rest = searchImages(snapshot, {
      filter: { reference: 'acme/*' },
      orderBy: { field: 'SIZE', direction: 'ASC' },
      first: 2,
      after: page.pageInfo.endCursor,
    });
    expect(rest.nodes.map((image) => image.id)).toEqual([ids.app1]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('resumes after a cursor whose image has gone', () => {
    const orderBy: ImageOrder = { field: 'SIZE', direction: 'DESC' };
    const first = searchImages(snapshot, { orderBy, first: 3 });
    const last = first.nodes.at(-1)!.id;
    const whole = searchImages(snapshot, { orderBy, first: 100 }).nodes.map((image) => image.id);
    const without = snapshotOf(
      [...snapshot.images].filter((image) => image.id !== last).map((image) => fakeImage(specOf(image))),
    );
    const next = searchImages(without, { orderBy, first: 100, after: first.pageInfo.endCursor });
    expect(next.nodes.map((image) => image.id)).toEqual(whole.slice(3));
  });

  it('refuses a cursor issued for another order as BAD_USER_INPUT', () => {
    const cursor = searchImages(snapshot, { orderBy: { field: 'CREATED', direction: 'DESC' }, first: 2 })
      .pageInfo.endCursor;
    for (const orderBy of orders.filter(
      (order) => !(order.field === 'CREATED' && order.direction === 'DESC'),
    )) {
      expect(() => searchImages(snapshot, { orderBy, first: 2, after: cursor })).toThrow(BadUserInputError);
    }
    // Omitted order is CREATED DESC: the same cursor is fine there.
    expect(searchImages(snapshot, { first: 2, after: cursor }).nodes).toHaveLength(2);
  });

  it('refuses a layer cursor and a cursor it did not issue as BAD_USER_INPUT', () => {
    const layerCursor = searchLayers(snapshot, { first: 1 }).pageInfo.endCursor;
    expect(() => searchImages(snapshot, { first: 2, after: layerCursor })).toThrow(BadUserInputError);
    expect(() => searchImages(snapshot, { first: 2, after: 'not-a-cursor!' })).toThrow(BadUserInputError);
  });

  it('refuses a cursor of another order even when nothing matches the filter', () => {
    const cursor = searchImages(snapshot, { orderBy: { field: 'SIZE', direction: 'ASC' }, first: 1 }).pageInfo
      .endCursor;
    expect(() =>
      searchImages(snapshot, {
        filter: { reference: 'no-such-image' },
        orderBy: { field: 'CREATED', direction: 'DESC' },
        first: 2,
        after: cursor,
      }),
    ).toThrow(BadUserInputError);
  });
});

describe('findImage', () => {
  it.each([
    ['nginx', ids.nginx],
    ['nginx:1.27', ids.nginx],
    ['docker.io/library/nginx:latest', ids.nginx],
    ['acme/app', ids.latest],
    ['acme/app:2', ids.app2],
    ['docker.io/acme/app:1', ids.app1],
    ['localhost:5000/acme/app:1', ids.local],
    [`acme/app@${appDigest}`, ids.latest],
    [`docker.io/acme/app@${appDigest}`, ids.latest],
  ])('finds %s by name', (input, id) => {
    expect(findImage(snapshot, input)?.id).toBe(id);
  });

  it('finds by full id, with or without the algorithm, intermediate images too', () => {
    expect(findImage(snapshot, ids.dangling)?.id).toBe(ids.dangling);
    expect(findImage(snapshot, ids.dangling.slice('sha256:'.length))?.id).toBe(ids.dangling);
    expect(findImage(snapshot, ids.intermediate)?.intermediate).toBe(true);
  });

  it('finds by id prefix, trying the name first as the daemon does', () => {
    expect(findImage(snapshot, 'd5d5')?.id).toBe(ids.dangling);
    expect(findImage(snapshot, 'sha256:d5')?.id).toBe(ids.dangling);
    expect(findImage(snapshot, 'ab1')?.id).toBe(ids.app1);
    // "cafe" is cafe:latest (app1) before it is the prefix of the untagged image's id.
    expect(findImage(snapshot, 'cafe')?.id).toBe(ids.app1);
    expect(findImage(snapshot, 'caf')?.id).toBe(ids.untagged);
  });

  it('refuses an ambiguous prefix', () => {
    expect(() => findImage(snapshot, 'ab')).toThrow(AmbiguousReferenceError);
    try {
      findImage(snapshot, 'ab');
    } catch (error) {
      expect(error).toMatchObject({ code: 'AMBIGUOUS_REFERENCE', matches: 2 });
    }
  });

  it('returns null when nothing matches', () => {
    expect(findImage(snapshot, 'redis')).toBeNull();
    expect(findImage(snapshot, 'nginx:1.25')).toBeNull();
    expect(findImage(snapshot, `acme/app@sha256:${'0'.repeat(64)}`)).toBeNull();
    expect(findImage(snapshot, `other/app@${appDigest}`)).toBeNull();
    expect(findImage(snapshot, 'e0')).toBeNull();
    expect(findImage(snapshot, digestOf('e0'))).toBeNull();
  });
});

describe('tagsOf', () => {
  const references = (repository?: string) => tagsOf(snapshot, repository).map(({ tag }) => tag.reference);

  it('lists every local tag once, by normalised reference, with its image', () => {
    const all = tagsOf(snapshot);
    expect(all).toHaveLength(9);
    expect(all.map(({ tag }) => tag.reference)).toEqual([...all.map(({ tag }) => tag.reference)].sort());
    expect(all.every(({ tag, image }) => tag.imageId === image.id)).toBe(true);
  });

  it('filters by repository, in familiar or normalised form', () => {
    expect(references('acme/app')).toEqual([
      'docker.io/acme/app:1',
      'docker.io/acme/app:2',
      'docker.io/acme/app:latest',
    ]);
    expect(references('docker.io/acme/app')).toEqual(references('acme/app'));
    expect(references('nginx')).toEqual(['docker.io/library/nginx:1.27', 'docker.io/library/nginx:latest']);
    expect(references('docker.io/library/nginx')).toEqual(references('nginx'));
    expect(references('localhost:5000/acme/app')).toEqual(['localhost:5000/acme/app:1']);
    expect(references('redis')).toEqual([]);
  });
});

describe('searchLayers', () => {
  it('walks every layer of the host once, by chain id', () => {
    const seen: LayerRecord[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page<LayerRecord> = searchLayers(snapshot, { first: 3, after });
      expect(page.totalCount).toBe(snapshot.layers.length);
      seen.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const chainIds = seen.map((layer) => layer.chainId);
    expect(chainIds).toEqual([...new Set(chainIds)].sort());
    // The shared base layer and one top layer per image.
    expect(chainIds).toHaveLength(1 + 9);
    expect(snapshot.layersByChainId.get(digestOf('0'))!.imageIds).toHaveLength(8);
  });

  it('refuses an image cursor as BAD_USER_INPUT', () => {
    const imageCursor = searchImages(snapshot, { first: 1 }).pageInfo.endCursor;
    expect(() => searchLayers(snapshot, { first: 2, after: imageCursor })).toThrow(BadUserInputError);
  });
});

/** Rebuilds a fixture spec from a record (same id, time, size, names and layers). */
function specOf(record: ImageRecord): FakeImageSpec {
  return {
    id: record.id,
    created: record.created.getTime() / 1000,
    size: record.size,
    repoTags: record.repoTags,
    repoDigests: record.repoDigests,
    parentId: record.parentId,
    layers: record.layers.map((layer) => ({ diffId: layer.diffId, size: layer.size })),
  };
}
