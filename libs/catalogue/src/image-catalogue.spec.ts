import { Logger } from '@nestjs/common';
import type { StevedoreConfig } from '#libs/config';
import { DockerUnavailableError } from '#libs/errors';
import { ImageCatalogue } from './image-catalogue.js';
import { chainIdsOf } from './layer-chain.js';
import { LiveCatalogue } from './live-catalogue.js';
import { digestOf, FakeDockerEngine } from './testing/fake-docker-engine.js';

const nginx = digestOf('ab1');
const app = digestOf('ac2');
const dangling = digestOf('d');
const [base, top] = [digestOf('01'), digestOf('02')];

describe('ImageCatalogue', () => {
  let engine: FakeDockerEngine;
  let catalogue: ImageCatalogue;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    engine = new FakeDockerEngine([
      {
        id: nginx,
        repoTags: ['nginx:1.27', 'nginx:latest'],
        created: 100,
        layers: [{ diffId: base, size: 70 }],
      },
      {
        id: app,
        repoTags: ['acme/app:1'],
        created: 300,
        layers: [
          { diffId: base, size: 70 },
          { diffId: top, size: 30 },
        ],
      },
      { id: dangling, created: 200, layers: [{ diffId: digestOf('03'), size: 5 }] },
    ]);
    engine.containers = [{ id: 'c1', name: 'web', imageId: app, state: 'running' }];
    // Not bootstrapped: every read syncs, which is all a facade test needs.
    const config = { catalogue: { resyncMs: 60_000 } } as unknown as StevedoreConfig;
    catalogue = new ImageCatalogue(new LiveCatalogue(engine, config));
  });

  it('searches newest first, filters and pages', async () => {
    expect((await catalogue.search({ first: 10 })).nodes.map((image) => image.id)).toEqual([
      app,
      dangling,
      nginx,
    ]);
    const filtered = await catalogue.search({ filter: { reference: 'ngin?' }, first: 10 });
    expect(filtered.nodes.map((image) => image.id)).toEqual([nginx]);
    const first = await catalogue.search({ first: 2 });
    const second = await catalogue.search({ first: 2, after: first.pageInfo.endCursor });
    expect([...first.nodes, ...second.nodes].map((image) => image.id)).toEqual([app, dangling, nginx]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('finds by name, id and prefix, and refuses an ambiguous prefix', async () => {
    expect((await catalogue.find('nginx'))?.id).toBe(nginx);
    expect((await catalogue.find(app))?.id).toBe(app);
    expect((await catalogue.find('ac'))?.id).toBe(app);
    expect(await catalogue.find('redis')).toBeNull();
    await expect(catalogue.find('a')).rejects.toMatchObject({ code: 'AMBIGUOUS_REFERENCE' });
    await expect(catalogue.find('Nope!')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
  });

  it('lists the tags of one repository', async () => {
    expect((await catalogue.tags('nginx')).map(({ tag }) => tag.familiar)).toEqual([
      'nginx:1.27',
      'nginx:latest',
    ]);
    expect(await catalogue.tags()).toHaveLength(3);
  });

  it('serves layers, one layer by chain id, and disk usage', async () => {
    const layers = await catalogue.layers({ first: 10 });
    expect(layers.totalCount).toBe(3);
    const chainId = chainIdsOf([base, top])[1]!;
    expect(await catalogue.layer(chainId)).toMatchObject({
      diffId: top,
      position: 1,
      size: 30,
      imageIds: [app],
    });
    expect((await catalogue.layer(base))?.imageIds).toEqual([app, nginx]);
    expect(await catalogue.layer(digestOf('ff'))).toBeNull();
    expect(await catalogue.diskUsage()).toEqual({
      imagesCount: 3,
      activeCount: 1,
      totalSize: 105,
      reclaimableSize: 75,
    });
  });

  it('answers every read from one consistent snapshot', async () => {
    const snapshot = await catalogue.snapshot();
    expect(snapshot.images).toHaveLength(3);
    expect(snapshot.imagesById.get(app)!.containers).toHaveLength(1);
  });

  it('rejects reads with DOCKER_UNAVAILABLE while the daemon is down', async () => {
    engine.goDown();
    await expect(catalogue.search({ first: 1 })).rejects.toBeInstanceOf(DockerUnavailableError);
    await expect(catalogue.diskUsage()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    engine.comeBack();
    expect((await catalogue.search({ first: 1 })).totalCount).toBe(3);
  });
});
