import type { EngineContainerSummary } from '#libs/docker';
import { CatalogueSnapshot } from './catalogue-snapshot.js';
import { chainIdsOf } from './layer-chain.js';
import { digestOf, factsOfImage, fakeImage, snapshotOf } from './testing/fake-docker-engine.js';

/*
 * The host:
 *   alpine:3.20 (A)  d1
 *   app:1       (B)  d1 d2            built FROM alpine
 *   app:2       (C)  d1 d2 d3         built FROM app:1, one container
 *   <none>      (I)  d1 d4            intermediate: untagged parent of tool:1
 *   tool:1      (D)  d1 d4 d5         child of I
 *   <none>      (E)  d6               dangling, no children
 */
const [d1, d2, d3, d4, d5, d6] = ['1', '2', '3', '4', '5', '6'].map((hex) => digestOf(`d${hex}`));
const A = digestOf('a1');
const B = digestOf('b2');
const C = digestOf('c3');
const I = digestOf('e4');
const D = digestOf('f5');
const E = digestOf('06');

const base = { diffId: d1, size: 100, createdBy: '/bin/sh -c #(nop) ADD file:alpine in / ' };
const images = [
  fakeImage({ id: A, repoTags: ['alpine:3.20'], created: 1000, layers: [{ ...base, stepId: A }] }),
  fakeImage({
    id: B,
    repoTags: ['app:1'],
    repoDigests: ['app@sha256:' + 'b'.repeat(64)],
    created: 2000,
    layers: [
      { ...base, stepId: A },
      { diffId: d2, size: 50, createdBy: 'COPY app /app # buildkit' },
    ],
  }),
  fakeImage({
    id: C,
    repoTags: ['app:2', 'app:latest'],
    created: 3000,
    layers: [
      { ...base, stepId: A },
      { diffId: d2, size: 50, createdBy: 'COPY app /app # buildkit', stepId: B },
      { diffId: d3, size: 30, createdBy: 'COPY patch /app # buildkit' },
    ],
  }),
  fakeImage({
    id: I,
    parentId: A,
    created: 1500,
    layers: [base, { diffId: d4, size: 20, createdBy: '/bin/sh -c apk add tool' }],
  }),
  fakeImage({
    id: D,
    repoTags: ['tool:1'],
    parentId: I,
    created: 1600,
    layers: [
      base,
      { diffId: d4, size: 20, createdBy: '/bin/sh -c apk add tool', stepId: I },
      { diffId: d5, size: 10, createdBy: '/bin/sh -c tool --init' },
    ],
  }),
  fakeImage({ id: E, created: 500, layers: [{ diffId: d6, size: 5 }] }),
];
const containers: EngineContainerSummary[] = [{ id: 'c0ffee', name: 'web', imageId: C, state: 'running' }];

describe('CatalogueSnapshot', () => {
  const snapshot = snapshotOf(images, containers, new Date(42_000));
  const image = (id: string) => snapshot.imagesById.get(id)!;

  it('lists every image newest first, hiding intermediate ones unless all', () => {
    expect(snapshot.listed(true).map((record) => record.id)).toEqual([C, B, D, I, A, E]);
    expect(snapshot.listed().map((record) => record.id)).toEqual([C, B, D, A, E]);
    expect(image(I).intermediate).toBe(true);
    // Untagged but nobody's parent: dangling, listed.
    expect(image(E)).toMatchObject({ intermediate: false, dangling: true });
    expect(image(D)).toMatchObject({ intermediate: false, dangling: false });
    expect(snapshot.takenAt).toEqual(new Date(42_000));
  });

  it('an untagged parent with a digest is not intermediate', () => {
    const digested = fakeImage({
      id: I,
      parentId: A,
      created: 1500,
      repoDigests: ['tool@sha256:' + '9'.repeat(64)],
    });
    const child = fakeImage({ id: D, parentId: I, repoTags: ['tool:1'] });
    expect(snapshotOf([digested, child]).imagesById.get(I)!.intermediate).toBe(false);
  });

  it('computes shared and unique sizes as `docker system df -v`', () => {
    const sizes = (id: string) => [image(id).size, image(id).sharedSize, image(id).uniqueSize];
    expect(sizes(A)).toEqual([100, 100, 0]);
    expect(sizes(B)).toEqual([150, 150, 0]);
    expect(sizes(C)).toEqual([180, 150, 30]);
    expect(sizes(E)).toEqual([5, 0, 5]);
  });

  it('does not count an intermediate image as a holder', () => {
    // d1+d4 is held by I and D, but I is intermediate: only d1 is shared.
    expect([image(D).sharedSize, image(D).uniqueSize]).toEqual([100, 30]);
    const [, chainD4] = chainIdsOf([d1, d4]);
    expect(snapshot.layersByChainId.get(chainD4!)!.imageIds).toEqual([D]);
  });

  it('lists every layer of the host once, by chain id, with its holders newest first', () => {
    const chains = [...chainIdsOf([d1, d2, d3]), ...chainIdsOf([d1, d4, d5]).slice(1), ...chainIdsOf([d6])];
    expect(snapshot.layers.map((layer) => layer.chainId)).toEqual([...chains].sort());
    expect(snapshot.layersByChainId.get(d1)!.imageIds).toEqual([C, B, D, A]);
    expect(snapshot.layersByChainId.get(chainIdsOf([d1, d2])[1]!)!.imageIds).toEqual([C, B]);
  });

  it('gives each layer its position in the stack, its size and the instruction that made it', () => {
    const top = snapshot.layersByChainId.get(chainIdsOf([d1, d2, d3])[2]!)!;
    expect(top).toMatchObject({
      diffId: d3,
      position: 2,
      size: 30,
      createdBy: 'COPY patch /app # buildkit',
      created: new Date(3000 * 1000),
    });
    // A shared layer's time comes from its oldest holder (alpine:3.20), the image that most likely made it.
    expect(snapshot.layersByChainId.get(d1)).toMatchObject({
      diffId: d1,
      position: 0,
      size: 100,
      created: new Date(1000 * 1000),
    });
    expect(image(C).layers.map((layer) => layer.position)).toEqual([0, 1, 2]);
  });

  it('computes disk usage as `docker system df` with an active image', () => {
    // Distinct layers held by listed images: 100 + 50 + 30 + 20 + 10 + 5.
    // C has a container: its unique 30 bytes are not reclaimable.
    expect(snapshot.diskUsage).toEqual({
      imagesCount: 5,
      activeCount: 1,
      totalSize: 215,
      reclaimableSize: 185,
    });
    expect(image(C).containers).toEqual([{ id: 'c0ffee', name: 'web', imageId: C, state: 'running' }]);
    expect(image(A).containers).toEqual([]);
  });

  it('counts a stopped container as active, and shared bytes stay reclaimable', () => {
    const usage = snapshotOf(images, [
      { id: 'a', name: 'one', imageId: B, state: 'exited' },
      { id: 'b', name: 'two', imageId: B, state: 'running' },
    ]).diskUsage;
    // B is entirely shared: nothing pinned.
    expect(usage).toMatchObject({ activeCount: 1, totalSize: 215, reclaimableSize: 215 });
  });

  it('serves history newest first, each step with its image tags', () => {
    expect(image(C).history.map((step) => [step.id, step.tags, step.createdBy, step.emptyLayer])).toEqual([
      [C, ['app:2', 'app:latest'], 'COPY patch /app # buildkit', false],
      [B, ['app:1'], 'COPY app /app # buildkit', false],
      [A, ['alpine:3.20'], '/bin/sh -c #(nop) ADD file:alpine in / ', false],
    ]);
    // The intermediate step of tool:1 has no tags; neither has a <missing> one.
    expect(image(D).history.map((step) => step.tags)).toEqual([['tool:1'], [], []]);
    expect(image(D).history[2]!.id).toBe('<missing>');
    expect(image(C).history[0]!.created).toEqual(new Date(3000 * 1000));
  });

  it('keeps history rows that made no layer, marked empty', () => {
    const withCmd = fakeImage({
      id: A,
      repoTags: ['busybox:1'],
      layers: [{ diffId: d1, size: 100 }],
      history: [
        { id: A, created: 0, createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0, comment: '', tags: [] },
        {
          id: '<missing>',
          created: 5,
          createdBy: '/bin/sh -c #(nop) ADD file:1 in / ',
          size: 100,
          comment: '',
          tags: [],
        },
      ],
    });
    const history = snapshotOf([withCmd]).imagesById.get(A)!.history;
    expect(history.map((step) => [step.createdBy, step.emptyLayer, step.created])).toEqual([
      ['/bin/sh -c #(nop)  CMD ["sh"]', true, null],
      ['/bin/sh -c #(nop) ADD file:1 in / ', false, new Date(5000)],
    ]);
  });

  it('derives tags, official, short id and the inspect fields of each image', () => {
    expect(image(A)).toMatchObject({
      shortId: 'a1a1a1a1a1a1',
      official: true,
      architecture: 'amd64',
      os: 'linux',
      diffIds: [d1],
      created: new Date(1000 * 1000),
    });
    expect(image(C).tags.map((tag) => tag.reference)).toEqual([
      'docker.io/library/app:2',
      'docker.io/library/app:latest',
    ]);
  });

  it('leaves out a listed image whose facts could not be fetched (gone meanwhile)', () => {
    const partial = new CatalogueSnapshot({
      summaries: images.map((fake) => fake.summary),
      factsById: new Map(
        images.filter((fake) => fake.summary.id !== B).map((fake) => [fake.summary.id, factsOfImage(fake)]),
      ),
      containers: [],
      takenAt: new Date(0),
    });
    expect(partial.imagesById.has(B)).toBe(false);
    expect(partial.listed()).toHaveLength(4);
    // d1+d2 is now held by C alone.
    expect(partial.imagesById.get(C)!.sharedSize).toBe(100);
  });
});
