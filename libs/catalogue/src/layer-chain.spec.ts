import { createHash } from 'node:crypto';
import type { EngineHistoryEntry } from '#libs/docker';
import { chainIdsOf, historyLayersOf, imageLayersOf } from './layer-chain.js';
import { digestOf } from './testing/fake-docker-engine.js';

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A history row; `rows` below are written oldest first and reversed into the daemon's newest-first order. */
function row(createdBy: string, size: number, extra: Partial<EngineHistoryEntry> = {}): EngineHistoryEntry {
  return { id: '<missing>', created: 1_700_000_000, createdBy, size, comment: '', tags: [], ...extra };
}
const newestFirst = (...oldestFirst: EngineHistoryEntry[]) => [...oldestFirst].reverse();
/** Which rows (oldest first) made a layer, by their createdBy. */
const layerMakers = (history: ReturnType<typeof historyLayersOf>) =>
  history.filter((entry) => !entry.emptyLayer).map((entry) => entry.row.createdBy);

describe('chainIdsOf', () => {
  const a = digestOf('a');
  const b = digestOf('b');
  const c = digestOf('c');

  it('uses the diff id as the base chain id', () => {
    expect(chainIdsOf([a])).toEqual([a]);
    expect(chainIdsOf([])).toEqual([]);
  });

  it('hashes "parent diffId" for every other layer (known vector)', () => {
    // printf '%s %s' sha256:aaa…a sha256:bbb…b | sha256sum
    expect(chainIdsOf([a, b])[1]).toBe(
      'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c',
    );
    // printf '%s %s' sha256:ccd7…146c sha256:ccc…c | sha256sum
    expect(chainIdsOf([a, b, c])[2]).toBe(
      'sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588',
    );
  });

  it('chains each layer on its parent chain id, not on the parent diff id', () => {
    const diffIds = [a, b, c, digestOf('d')];
    const expected: string[] = [];
    for (const diffId of diffIds) {
      expected.push(expected.length === 0 ? diffId : sha256(`${expected.at(-1)} ${diffId}`));
    }
    expect(chainIdsOf(diffIds)).toEqual(expected);
    // The same diff id on another parent is another layer on disk.
    expect(chainIdsOf([b, c])[1]).not.toBe(chainIdsOf([a, b, c])[2]);
    // A shared base gives shared prefixes.
    expect(chainIdsOf([a, b, digestOf('e')]).slice(0, 2)).toEqual(expected.slice(0, 2));
  });
});

describe('historyLayersOf', () => {
  it('returns the rows oldest first', () => {
    const base = row('/bin/sh -c #(nop) ADD file:1a2b in / ', 4_260_000);
    const cmd = row('/bin/sh -c #(nop)  CMD ["sh"]', 0);
    const history = historyLayersOf(newestFirst(base, cmd), 1);
    expect(history.map((entry) => entry.row)).toEqual([base, cmd]);
    expect(history.map((entry) => entry.emptyLayer)).toEqual([false, true]);
  });

  it('classic builder: a zero-size COPY is a layer when the count needs one; #(nop) CMD never is', () => {
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 7_800_000),
      row('/bin/sh -c #(nop)  CMD ["sh"]', 0),
      row('/bin/sh -c #(nop)  ENV APP=1', 0),
      row('/bin/sh -c #(nop) COPY file:e3b0c442 in /app/.keep ', 0),
      row('/bin/sh -c #(nop)  CMD ["/app/run"]', 0),
    );
    expect(layerMakers(historyLayersOf(rows, 2))).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      '/bin/sh -c #(nop) COPY file:e3b0c442 in /app/.keep ',
    ]);
    // With one layer, the empty file's COPY was not a layer of its own.
    expect(layerMakers(historyLayersOf(rows, 1))).toEqual(['/bin/sh -c #(nop) ADD file:5f1c in / ']);
  });

  it('BuildKit rows: metadata rows without the #(nop) prefix are empty, a zero-size COPY is a layer', () => {
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 7_800_000),
      row('/bin/sh -c #(nop)  CMD ["/bin/sh"]', 0),
      row('ENV NODE_ENV=production', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('RUN /bin/sh -c apk add --no-cache nodejs # buildkit', 52_000_000, {
        comment: 'buildkit.dockerfile.v0',
      }),
      row('LABEL org.opencontainers.image.source=https://example.com/app', 0, {
        comment: 'buildkit.dockerfile.v0',
      }),
      row('COPY .npmrc /app/ # buildkit', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('EXPOSE map[3000/tcp:{}]', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('USER node', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('CMD ["node" "server.js"]', 0, { comment: 'buildkit.dockerfile.v0' }),
    );
    expect(layerMakers(historyLayersOf(rows, 3))).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      'RUN /bin/sh -c apk add --no-cache nodejs # buildkit',
      'COPY .npmrc /app/ # buildkit',
    ]);
  });

  it('BuildKit: a zero-size WORKDIR (it mkdirs, so it commits a layer) is preferred over an earlier ENV or CMD', () => {
    // dockerfile2llb's dispatchWorkdir commits history with withLayer=true for any directory but "/".
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 7_800_000),
      row('/bin/sh -c #(nop)  CMD ["/bin/sh"]', 0),
      row('ENV APP_HOME=/app', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('WORKDIR /app', 0, { comment: 'buildkit.dockerfile.v0' }),
      row('COPY . . # buildkit', 2_000, { comment: 'buildkit.dockerfile.v0' }),
      row('CMD ["./app"]', 0, { comment: 'buildkit.dockerfile.v0' }),
    );
    expect(layerMakers(historyLayersOf(rows, 3))).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      'WORKDIR /app',
      'COPY . . # buildkit',
    ]);
  });

  it('an import row (empty createdBy, "Imported from -") is a layer even with size 0', () => {
    const imported = row('', 0, { comment: 'Imported from -' });
    expect(historyLayersOf([imported], 1)).toEqual([{ row: imported, emptyLayer: false }]);
  });

  it('a zero-size RUN is preferred over an earlier zero-size ENV, and earlier writing rows first', () => {
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 100),
      row('/bin/sh -c #(nop)  ENV A=1', 0),
      row('/bin/sh -c mkdir -p /data', 0),
      row('/bin/sh -c touch /data/.keep', 0),
    );
    expect(layerMakers(historyLayersOf(rows, 2))).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      '/bin/sh -c mkdir -p /data',
    ]);
    expect(layerMakers(historyLayersOf(rows, 3))).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      '/bin/sh -c mkdir -p /data',
      '/bin/sh -c touch /data/.keep',
    ]);
    // Only when no writing row is left does a metadata row fill the count.
    expect(layerMakers(historyLayersOf(rows, 4))).toHaveLength(4);
  });

  it('more rows than layers: only the rows with bytes are layers', () => {
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 100),
      row('/bin/sh -c #(nop)  LABEL a=b', 0),
      row('/bin/sh -c #(nop)  ENV A=1', 0),
      row('/bin/sh -c apk add curl', 300),
      row('/bin/sh -c #(nop) WORKDIR /app', 0),
      row('/bin/sh -c #(nop)  ENTRYPOINT ["curl"]', 0),
    );
    const history = historyLayersOf(rows, 2);
    expect(history).toHaveLength(6);
    expect(layerMakers(history)).toEqual([
      '/bin/sh -c #(nop) ADD file:5f1c in / ',
      '/bin/sh -c apk add curl',
    ]);
  });

  it('fewer rows than layers: every row is a layer', () => {
    const rows = newestFirst(row('/bin/sh -c #(nop)  CMD ["sh"]', 0), row('COPY a /', 10));
    expect(historyLayersOf(rows, 5).every((entry) => !entry.emptyLayer)).toBe(true);
  });
});

describe('imageLayersOf', () => {
  const diffIds = [digestOf('1'), digestOf('2'), digestOf('3')];

  it('pairs each diff id, base first, with the row that made it', () => {
    const rows = newestFirst(
      row('/bin/sh -c #(nop) ADD file:5f1c in / ', 100, { created: 10 }),
      row('/bin/sh -c #(nop)  CMD ["sh"]', 0, { created: 11 }),
      row('RUN /bin/sh -c make # buildkit', 40, { created: 12 }),
      row('COPY empty /x # buildkit', 0, { created: 0 }),
    );
    const layers = imageLayersOf(diffIds, historyLayersOf(rows, 3));
    const chainIds = chainIdsOf(diffIds);
    expect(layers).toEqual([
      {
        diffId: diffIds[0],
        chainId: chainIds[0],
        position: 0,
        size: 100,
        createdBy: '/bin/sh -c #(nop) ADD file:5f1c in / ',
        created: 10,
      },
      {
        diffId: diffIds[1],
        chainId: chainIds[1],
        position: 1,
        size: 40,
        createdBy: 'RUN /bin/sh -c make # buildkit',
        created: 12,
      },
      // A row with no time gives a null time.
      {
        diffId: diffIds[2],
        chainId: chainIds[2],
        position: 2,
        size: 0,
        createdBy: 'COPY empty /x # buildkit',
        created: null,
      },
    ]);
  });

  it('fewer rows than layers: the layers without a row have no instruction, size 0 and no time', () => {
    const rows = newestFirst(row('ADD rootfs.tar /', 100, { created: 10 }));
    const layers = imageLayersOf(diffIds, historyLayersOf(rows, 3));
    expect(layers.map(({ size, createdBy, created }) => ({ size, createdBy, created }))).toEqual([
      { size: 100, createdBy: 'ADD rootfs.tar /', created: 10 },
      { size: 0, createdBy: null, created: null },
      { size: 0, createdBy: null, created: null },
    ]);
    expect(layers.map((layer) => layer.chainId)).toEqual(chainIdsOf(diffIds));
  });

  it('no history at all still gives every layer its chain id and position', () => {
    const layers = imageLayersOf(diffIds, historyLayersOf([], 3));
    expect(layers.map((layer) => [layer.position, layer.createdBy])).toEqual([
      [0, null],
      [1, null],
      [2, null],
    ]);
  });
});
