import type { DockerEngine, EngineImageDetails, EngineImageSummary } from '#libs/docker';
import { ImageCatalogue } from './image-catalogue.js';

const hex = (char: string) => char.repeat(64);

function summary(id: string, created: number, repoTags: string[] = []): EngineImageSummary {
  return { id, parentId: '', repoTags, repoDigests: [], created, size: 10, labels: {}, containers: 0 };
}

/** A fake of our own port: the catalogue's logic without a daemon. */
class FakeEngine implements DockerEngine {
  inspections = 0;
  constructor(public images: EngineImageSummary[]) {}
  async ping(): Promise<void> {}
  async listImages(): Promise<EngineImageSummary[]> {
    return this.images;
  }
  async inspectImage(id: string): Promise<EngineImageDetails> {
    this.inspections++;
    const image = this.images.find((candidate) => candidate.id === id)!;
    return {
      ...image,
      parent: '',
      comment: '',
      created: new Date(image.created * 1000).toISOString(),
      author: '',
      architecture: 'amd64',
      os: 'linux',
      config: {
        cmd: null,
        entrypoint: null,
        env: [],
        workingDir: '',
        user: '',
        exposedPorts: [],
        volumes: [],
        labels: {},
      },
      layers: [],
    };
  }
}

describe('ImageCatalogue', () => {
  const a = `sha256:ab${hex('1').slice(2)}`;
  const b = `sha256:ac${hex('2').slice(2)}`;
  const c = `sha256:${hex('d')}`;
  let engine: FakeEngine;
  let catalogue: ImageCatalogue;

  beforeEach(() => {
    engine = new FakeEngine([
      summary(a, 100, ['nginx:1.27', 'nginx:latest']),
      summary(b, 300, ['acme/app:1']),
      summary(c, 200),
    ]);
    catalogue = new ImageCatalogue(engine);
  });

  it('inspects each image once, however often it is read', async () => {
    await catalogue.list();
    await catalogue.list();
    await catalogue.find('nginx');
    expect(engine.inspections).toBe(3);
  });

  it('orders newest first and derives tags, dangling and official', async () => {
    const images = await catalogue.list();
    expect(images.map((image) => image.id)).toEqual([b, c, a]);
    const nginx = images[2]!;
    expect(nginx.official).toBe(true);
    expect(nginx.tags.map((tag) => tag.reference)).toEqual([
      'docker.io/library/nginx:1.27',
      'docker.io/library/nginx:latest',
    ]);
    expect(images[1]!.dangling).toBe(true);
  });

  it('finds by name (default tag latest), id, prefix, and refuses an ambiguous prefix', async () => {
    expect((await catalogue.find('nginx'))?.id).toBe(a);
    expect((await catalogue.find('docker.io/library/nginx:1.27'))?.id).toBe(a);
    expect(await catalogue.find('acme/app')).toBeNull();
    expect((await catalogue.find(c))?.id).toBe(c);
    expect((await catalogue.find('dd'))?.id).toBe(c);
    expect((await catalogue.find('ab'))?.id).toBe(a);
    await expect(catalogue.find('a')).rejects.toMatchObject({ code: 'AMBIGUOUS_REFERENCE' });
    await expect(catalogue.find('Nope!')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
  });

  it('filters and pages', async () => {
    const page = await catalogue.search({ filter: { reference: 'ngin?' }, first: 10 });
    expect(page.nodes.map((image) => image.id)).toEqual([a]);
    const first = await catalogue.search({ first: 2 });
    const second = await catalogue.search({ first: 2, after: first.pageInfo.endCursor });
    expect([...first.nodes, ...second.nodes].map((image) => image.id)).toEqual([b, c, a]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('lists tags of one repository in either form', async () => {
    const familiar = await catalogue.tags('nginx');
    const normalised = await catalogue.tags('docker.io/library/nginx');
    expect(familiar.map(({ tag }) => tag.familiar)).toEqual(['nginx:1.27', 'nginx:latest']);
    expect(normalised).toEqual(familiar);
  });
});
