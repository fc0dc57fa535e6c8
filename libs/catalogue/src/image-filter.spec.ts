import { BadUserInputError } from '#libs/errors';
import { searchImages } from './catalogue-queries.js';
import { imageFilterPredicate } from './image-filter.js';
import { digestOf, fakeImage, snapshotOf } from './testing/fake-docker-engine.js';

describe('imageFilterPredicate', () => {
  const snapshot = snapshotOf([
    fakeImage({ id: digestOf('a1'), repoTags: ['acme/app:1.2'], labels: { tier: 'web' } }),
    fakeImage({ id: digestOf('b2'), repoTags: ['nginx:1.27'] }),
    fakeImage({ id: digestOf('c3') }),
  ]);
  const tagged = (filter: Parameters<typeof imageFilterPredicate>[0]) =>
    snapshot.images
      .filter(imageFilterPredicate(filter))
      .flatMap((image) => (image.tags.length > 0 ? image.repoTags : ['<none>']));

  it('matches the familiar name alone or name:tag, as reference.FamiliarMatch', () => {
    expect(tagged({ reference: 'acme/app' })).toEqual(['acme/app:1.2']);
    expect(tagged({ reference: 'acme/*:1.*' })).toEqual(['acme/app:1.2']);
    expect(tagged({ reference: 'acme/app:1' })).toEqual([]);
    expect(tagged({ reference: 'ngin?' })).toEqual(['nginx:1.27']);
    expect(tagged({ reference: 'docker.io/library/nginx' })).toEqual([]);
    expect(tagged({ reference: '*' })).toEqual(['nginx:1.27']);
  });

  it('combines the reference with the other filters', () => {
    expect(tagged({ reference: '*/*', labels: ['tier=web'] })).toEqual(['acme/app:1.2']);
    expect(tagged({ reference: '*/*', labels: ['tier=db'] })).toEqual([]);
    expect(tagged({ dangling: true })).toEqual(['<none>']);
    expect(tagged({ official: true, reference: '*' })).toEqual(['nginx:1.27']);
  });

  it.each(['[z-a]', '[]', 'a\\'])(
    'refuses the malformed glob %p as BadUserInputError before any image is tested',
    (reference) => {
      expect(() => imageFilterPredicate({ reference })).toThrow(BadUserInputError);
      expect(() => searchImages(snapshotOf([]), { filter: { reference }, first: 10 })).toThrow(
        BadUserInputError,
      );
    },
  );
});

describe('reference filter cost (guard against exponential matching)', () => {
  // 1,000 images with familiar tags of 40 to 60 characters, half with a registry and path.
  const snapshot = snapshotOf(
    Array.from({ length: 1000 }, (_, i) =>
      fakeImage({
        id: digestOf(i.toString(16).padStart(4, '0')),
        repoTags: [
          i % 2 === 0
            ? `${'a'.repeat(30 + (i % 18))}-app-${i}:1.${i % 10}`
            : `registry.example:5000/team-${'a'.repeat(8 + (i % 10))}/svc-${i}:v${i % 10}`,
        ],
        layers: [{ diffId: digestOf(`${i.toString(16).padStart(4, '0')}d`), size: 1 }],
      }),
    ),
  );

  // Warm: the first filtering of the suite otherwise also pays for loading and compiling the code.
  beforeAll(() => searchImages(snapshot, { filter: { reference: '*X' }, first: 1 }));

  it('has the fixture it describes', () => {
    const lengths = snapshot.images.flatMap((image) => image.tags.map((tag) => tag.familiar.length));
    expect(lengths).toHaveLength(1000);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(60);
  });

  it.each([
    ['200 stars and a tail that never matches', '*'.repeat(200) + 'X'],
    ['the reported */<stars>X, with 200 stars', '*/' + '*'.repeat(200) + 'X'],
    ['*a repeated 100 times and a tail that never matches', '*a'.repeat(100) + 'X'],
  ])('%s: filters 1,000 images in under 100 ms of CPU time', (_name, reference) => {
    // The least of three runs, so that a GC or JIT pause on another thread cannot fail it.
    const runs = Array.from({ length: 3 }, () => {
      const before = process.cpuUsage();
      const page = searchImages(snapshot, { filter: { reference }, first: 100 });
      const used = process.cpuUsage(before);
      expect(page.totalCount).toBe(0);
      return (used.user + used.system) / 1000;
    });
    expect(Math.min(...runs)).toBeLessThan(100);
  });

  it('still finds what such patterns match', () => {
    expect(searchImages(snapshot, { filter: { reference: '*'.repeat(200) }, first: 1 }).totalCount).toBe(500);
    expect(
      searchImages(snapshot, { filter: { reference: '*a'.repeat(20) + '*' }, first: 1 }).totalCount,
    ).toBe(500);
  });
});
