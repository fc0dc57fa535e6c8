import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { oneFileTar } from '../support/one-file-tar.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout;
const daemon = new Docker({ socketPath: env.docker.socketPath });
const { base, appA, appB, busybox, large } = env.fixtures.images;

/** Chain ids computed here, independently of the service: the base's is its diff id. */
function chainIds(diffIds: string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const parent = ids.at(-1);
    ids.push(
      parent === undefined
        ? diffId
        : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`,
    );
  }
  return ids;
}

/** `docker image history --no-trunc --human=false`, newest first. */
async function cliHistory(ref: string) {
  const out = await docker('image', 'history', '--no-trunc', '--human=false', '--format', '{{json .}}', ref);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          ID: string;
          CreatedAt: string;
          CreatedBy: string;
          Size: string;
          Comment: string;
        },
    );
}

interface LayerNode {
  diffId: string;
  chainId: string;
  position: number;
  size: number;
  createdBy: string | null;
  created: string | null;
  sharedBy: number;
  images: { id: string }[];
}
const LAYER_FIELDS = 'diffId chainId position size createdBy created sharedBy images { id }';

describe('the catalogue: layers, sharing, history, disk usage, containers and events', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(() => api?.close());

  it('lists each image’s read-only layers, base first, with chain ids and the instructions that made them', async () => {
    for (const fixture of [base, appA, busybox, large]) {
      const answer = await graphql<{ image: { layers: LayerNode[] } }>(
        api,
        `query($ref: String!) { image(ref: $ref) { layers { ${LAYER_FIELDS} } } }`,
        { variables: { ref: fixture.ref } },
      );
      expect(answer.errors).toBeUndefined();
      const layers = answer.data!.image.layers;
      const inspect = await daemon.getImage(fixture.ref).inspect();
      expect(layers.map((layer) => layer.diffId)).toEqual(inspect.RootFS.Layers);
      expect(layers.map((layer) => layer.chainId)).toEqual(chainIds(inspect.RootFS.Layers!));
      expect(layers.map((layer) => layer.position)).toEqual(layers.map((_, index) => index));
      // The layers' sizes add up to the image's, as the daemon computes it.
      expect(layers.reduce((sum, layer) => sum + layer.size, 0)).toBe(inspect.Size);
      // Each layer's instruction is a history row's: the non-empty ones, oldest first.
      const made = (await cliHistory(fixture.ref)).reverse().filter((row) => Number(row.Size) > 0);
      for (const row of made) expect(layers.map((layer) => layer.createdBy)).toContain(row.CreatedBy);
    }
  });

  it('shows which local images share a layer, as their chain ids say', async () => {
    const baseChain = chainIds(base.layers);
    const answer = await graphql<{ layer: LayerNode }>(
      api,
      `query($id: ID!) { layer(chainId: $id) { ${LAYER_FIELDS} } }`,
      {
        variables: { id: baseChain[1] },
      },
    );
    const holders = answer.data!.layer.images.map((image) => image.id).sort();
    expect(holders).toEqual([base.id, appA.id, appB.id].sort());
    expect(answer.data!.layer.sharedBy).toBe(3);
    // app-a's own top layer is held by app-a alone.
    const top = chainIds(appA.layers).at(-1)!;
    const own = await graphql<{ layer: LayerNode }>(
      api,
      `query($id: ID!) { layer(chainId: $id) { ${LAYER_FIELDS} } }`,
      {
        variables: { id: top },
      },
    );
    expect(own.data!.layer.images.map((image) => image.id)).toEqual([appA.id]);
    expect(
      (await graphql<{ layer: null }>(api, `{ layer(chainId: "sha256:${'0'.repeat(64)}") { chainId } }`))
        .data!.layer,
    ).toBeNull();
  });

  it('lists every layer of the host once, paging by chain id', async () => {
    const seen: LayerNode[] = [];
    let after: string | null = null;
    let totalCount: number;
    do {
      const answer: Awaited<
        ReturnType<
          typeof graphql<{
            layers: {
              totalCount: number;
              nodes: LayerNode[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await graphql(
        api,
        `query($after: String) { layers(first: 3, after: $after) { totalCount nodes { ${LAYER_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        {
          variables: { after },
        },
      );
      expect(answer.errors).toBeUndefined();
      totalCount = answer.data!.layers.totalCount;
      seen.push(...answer.data!.layers.nodes);
      after = answer.data!.layers.pageInfo.hasNextPage ? answer.data!.layers.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(totalCount);
    expect(new Set(seen.map((layer) => layer.chainId)).size).toBe(totalCount);
    // Every chain id of every listed image appears, and nothing else.
    const expected = new Set<string>();
    for (const row of await daemon.listImages()) {
      const inspect = await daemon.getImage(row.Id).inspect();
      for (const chainId of chainIds(inspect.RootFS.Layers ?? [])) expected.add(chainId);
    }
    expect(new Set(seen.map((layer) => layer.chainId))).toEqual(expected);
  });

  it('answers history exactly as `docker image history --no-trunc`, row for row', async () => {
    for (const fixture of [base, appA, busybox, env.fixtures.images.configured]) {
      const answer = await graphql<{
        image: {
          history: {
            id: string;
            created: string | null;
            createdBy: string;
            size: number;
            comment: string;
            emptyLayer: boolean;
            tags: string[];
          }[];
        };
      }>(
        api,
        `
          query ($ref: String!) {
            image(ref: $ref) {
              history {
                id
                created
                createdBy
                size
                comment
                emptyLayer
                tags
              }
            }
          }
        `,
        {
          variables: { ref: fixture.ref },
        },
      );
      expect(answer.errors).toBeUndefined();
      const rows = await cliHistory(fixture.ref);
      const history = answer.data!.image.history;
      expect(history.map((entry) => entry.id)).toEqual(rows.map((row) => row.ID));
      expect(history.map((entry) => entry.createdBy)).toEqual(rows.map((row) => row.CreatedBy));
      expect(history.map((entry) => entry.size)).toEqual(rows.map((row) => Number(row.Size)));
      expect(history.map((entry) => entry.comment)).toEqual(rows.map((row) => row.Comment));
      expect(history.map((entry) => Date.parse(entry.created!))).toEqual(
        rows.map((row) => Date.parse(row.CreatedAt)),
      );
      // The API's own Tags column, which the CLI does not print.
      const apiRows = (await daemon.getImage(fixture.ref).history()) as { Tags: string[] | null }[];
      expect(history.map((entry) => entry.tags)).toEqual(apiRows.map((row) => row.Tags ?? []));
      // Non-empty rows are exactly as many as the layers.
      expect(history.filter((entry) => !entry.emptyLayer)).toHaveLength(fixture.layers.length);
    }
  });

  it('reports shared and unique sizes and disk usage as `docker system df -v` does', async () => {
    const df = (await daemon.df()) as {
      LayersSize: number;
      Images: { Id: string; Size: number; SharedSize: number; Containers: number }[];
    };
    const answer = await graphql<{
      images: { nodes: { id: string; size: number; sharedSize: number; uniqueSize: number }[] };
      diskUsage: { imagesCount: number; activeCount: number; totalSize: number; reclaimableSize: number };
    }>(
      api,
      `
        {
          images(first: 1000) {
            nodes {
              id
              size
              sharedSize
              uniqueSize
            }
          }
          diskUsage {
            imagesCount
            activeCount
            totalSize
            reclaimableSize
          }
        }
      `,
    );
    expect(answer.errors).toBeUndefined();
    const ours = new Map(answer.data!.images.nodes.map((image) => [image.id, image]));
    for (const image of df.Images) {
      expect({
        id: image.Id,
        sharedSize: ours.get(image.Id)?.sharedSize,
        uniqueSize: ours.get(image.Id)?.uniqueSize,
      }).toEqual({
        id: image.Id,
        sharedSize: image.SharedSize,
        uniqueSize: image.Size - image.SharedSize,
      });
    }
    expect(ours.get(appA.id)!.sharedSize).toBeGreaterThan(0);
    const active = df.Images.filter((image) => image.Containers > 0);
    expect(answer.data!.diskUsage).toEqual({
      imagesCount: df.Images.length,
      activeCount: active.length,
      totalSize: df.LayersSize,
      reclaimableSize: df.LayersSize - active.reduce((sum, image) => sum + image.Size - image.SharedSize, 0),
    });
    // The CLI's own summary row agrees on the counts.
    const [summary] = (await docker('system', 'df', '--format', '{{json .}}'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(
        (line) => JSON.parse(line) as { Type: string; TotalCount: string | number; Active: string | number },
      );
    expect(summary!.Type).toBe('Images');
    expect(Number(summary!.TotalCount)).toBe(answer.data!.diskUsage.imagesCount);
    expect(Number(summary!.Active)).toBe(answer.data!.diskUsage.activeCount);
  });

  it('shows containers made from an image with their copy-on-write layer, and counts the image active', async () => {
    const name = `stevedore-e2e-cow-${process.pid}`;
    const before = (
      await graphql<{ diskUsage: { activeCount: number } }>(api, '{ diskUsage { activeCount } }')
    ).data!.diskUsage;
    await docker('container', 'create', '--name', name, busybox.ref, 'sleep', '1');
    try {
      await eventually(async () => {
        const answer = await graphql<{
          image: { containers: { id: string; name: string; state: string; sizeRw: number | null }[] };
          diskUsage: { activeCount: number };
        }>(
          api,
          `
            query ($ref: String!) {
              image(ref: $ref) {
                containers {
                  id
                  name
                  state
                  sizeRw
                }
              }
              diskUsage {
                activeCount
              }
            }
          `,
          {
            variables: { ref: busybox.ref },
          },
        );
        expect(answer.errors).toBeUndefined();
        const container = answer.data!.image.containers.find((candidate) => candidate.name === name);
        expect(container).toMatchObject({ state: 'created', sizeRw: 0 });
        expect(answer.data!.diskUsage.activeCount).toBe(before.activeCount + 1);
      });
    } finally {
      await docker('container', 'rm', '-f', name);
    }
    await eventually(async () => {
      const after = await graphql<{ diskUsage: { activeCount: number } }>(
        api,
        '{ diskUsage { activeCount } }',
      );
      expect(after.data!.diskUsage.activeCount).toBe(before.activeCount);
    });
  });

  it('orders images by created, size and reference, both ways, across pages', async () => {
    const rows = await daemon.listImages();
    const familiarFirst = (tags: string[] | undefined) =>
      [...(tags ?? [])].filter((tag) => !tag.startsWith('<none>')).sort()[0];
    for (const [field, direction] of [
      ['SIZE', 'ASC'],
      ['SIZE', 'DESC'],
      ['REFERENCE', 'ASC'],
      ['CREATED', 'ASC'],
    ] as const) {
      const ids: string[] = [];
      let after: string | null = null;
      do {
        const answer: {
          data?: {
            images: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
          } | null;
          errors?: unknown;
        } = await graphql(
          api,
          `
            query ($after: String, $order: ImageOrder) {
              images(first: 2, after: $after, orderBy: $order) {
                nodes {
                  id
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
          `,
          {
            variables: { after, order: { field, direction } },
          },
        );
        expect(answer.errors).toBeUndefined();
        ids.push(...answer.data!.images.nodes.map((node) => node.id));
        after = answer.data!.images.pageInfo.hasNextPage ? answer.data!.images.pageInfo.endCursor : null;
      } while (after);
      expect([...ids].sort()).toEqual(rows.map((row) => row.Id).sort());
      const byId = new Map(rows.map((row) => [row.Id, row]));
      const values = ids.map((id) =>
        field === 'SIZE'
          ? byId.get(id)!.Size
          : field === 'CREATED'
            ? byId.get(id)!.Created
            : (familiarFirst(byId.get(id)!.RepoTags) ?? '\uffff'),
      );
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(values).toEqual(direction === 'ASC' ? sorted : sorted.reverse());
    }
    const first = await graphql<{ images: { pageInfo: { endCursor: string } } }>(
      api,
      '{ images(first: 1, orderBy: { field: SIZE, direction: ASC }) { pageInfo { endCursor } } }',
    );
    const mixed = await graphql(
      api,
      `{ images(first: 1, after: "${first.data!.images.pageInfo.endCursor}") { totalCount } }`,
    );
    expect(mixed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('sees tags, untags and deletes made with the docker CLI within a second, and streams them as imageEvents', async () => {
    const subscription = subscribe<{
      imageEvents: { action: string; imageId: string | null; ref: string | null; time: string };
    }>(api, 'subscription { imageEvents { action imageId ref time } }');
    await subscription.ready;
    const copy = `stevedore-e2e/events-${process.pid}:1`;
    const hasTag = async (present: boolean) => {
      const answer = await graphql<{ image: { id: string } | null }>(api, `{ image(ref: "${copy}") { id } }`);
      expect(answer.data!.image?.id ?? null).toBe(present ? base.id : null);
    };
    try {
      expect(subscription.errors).toEqual([]);
      await docker('image', 'tag', base.ref, copy);
      await eventually(() => hasTag(true));
      expect(subscription.errors).toEqual([]);
      await eventually(async () =>
        expect(subscription.received.map((event) => event.imageEvents)).toContainEqual(
          expect.objectContaining({ action: 'tag', imageId: base.id, ref: copy }),
        ),
      );
      await docker('image', 'rm', copy);
      await eventually(() => hasTag(false));
      await eventually(async () =>
        expect(subscription.received.map((event) => event.imageEvents.action)).toContain('untag'),
      );

      // A pull names the full reference; the event carries the image it resolved to.
      const pulled = env.fixtures.images.multiTag.registries.open.ref;
      await docker('pull', pulled);
      try {
        await eventually(async () =>
          expect(subscription.received.map((event) => event.imageEvents)).toContainEqual(
            expect.objectContaining({
              action: 'pull',
              ref: pulled,
              imageId: env.fixtures.images.multiTag.id,
            }),
          ),
        );
      } finally {
        await docker('image', 'rm', pulled);
      }

      // A push names the reference pushed; save and load name the image.
      const pushed = `${env.registries.open.host}/stevedore-e2e/pushed-${process.pid}:1`;
      await docker('image', 'tag', base.ref, pushed);
      const archive = join(tmpdir(), `stevedore-e2e-save-${process.pid}.tar`);
      try {
        await docker('push', pushed);
        await docker('image', 'save', '-o', archive, base.ref);
        await docker('image', 'load', '-i', archive);
        await eventually(async () => {
          const events = subscription.received.map((event) => event.imageEvents);
          expect(events).toContainEqual(
            expect.objectContaining({ action: 'push', ref: pushed, imageId: base.id }),
          );
          expect(events).toContainEqual(expect.objectContaining({ action: 'save', imageId: base.id }));
          expect(events).toContainEqual(expect.objectContaining({ action: 'load', imageId: base.id }));
        });
      } finally {
        rmSync(archive, { force: true });
        await docker('image', 'rm', pushed).catch(() => undefined);
      }

      // A delete: an image of its own, built from nothing, then removed.
      const importable = join(tmpdir(), `stevedore-e2e-import-${process.pid}.tar`);
      writeFileSync(importable, oneFileTar());
      const imported = (await docker('image', 'import', importable)).trim();
      rmSync(importable, { force: true });
      await eventually(async () => {
        const answer = await graphql<{ image: { id: string } | null }>(
          api,
          `{ image(ref: "${imported}") { id } }`,
        );
        expect(answer.data!.image?.id).toBe(imported);
      });
      await docker('image', 'rm', imported);
      await eventually(async () => {
        const answer = await graphql<{ image: { id: string } | null }>(
          api,
          `{ image(ref: "${imported}") { id } }`,
        );
        expect(answer.data!.image).toBeNull();
      });
      await eventually(async () => {
        const actions = subscription.received.map((event) => event.imageEvents);
        expect(actions).toContainEqual(expect.objectContaining({ action: 'import', imageId: imported }));
        expect(actions).toContainEqual(expect.objectContaining({ action: 'delete', imageId: imported }));
      });
      for (const { imageEvents } of subscription.received)
        expect(Number.isNaN(Date.parse(imageEvents.time))).toBe(false);
    } finally {
      await docker('image', 'rm', copy).catch(() => undefined);
      await subscription.close();
    }
  });

  it('mirrors layers, history and disk usage over REST', async () => {
    const ref = encodeURIComponent(appA.ref);
    const history = await rest(api, `/api/v1/images/${ref}/history`);
    expect(history.status).toBe(200);
    expect(history.body.map((row: { id: string }) => row.id)).toEqual(
      (await cliHistory(appA.ref)).map((row) => row.ID),
    );
    const layers = await rest(api, `/api/v1/images/${ref}/layers`);
    expect(layers.status).toBe(200);
    expect(layers.body.map((layer: { chainId: string }) => layer.chainId)).toEqual(chainIds(appA.layers));
    expect(layers.body[0].images).toEqual(expect.arrayContaining([base.id, appA.id, appB.id]));
    const one = await rest(api, `/api/v1/layers/${layers.body[0].chainId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(layers.body[0]);
    const missing = await rest(api, `/api/v1/layers/sha256:${'0'.repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('IMAGE_NOT_FOUND');
    const page = await rest(api, '/api/v1/layers?first=2');
    expect(page.status).toBe(200);
    expect(page.body.nodes).toHaveLength(2);
    const next = await rest(api, `/api/v1/layers?first=2&after=${page.body.pageInfo.endCursor}`);
    expect(next.body.nodes[0].chainId > page.body.nodes[1].chainId).toBe(true);
    const usage = await rest(api, '/api/v1/disk-usage');
    const graph = await graphql<{ diskUsage: unknown }>(
      api,
      '{ diskUsage { imagesCount activeCount totalSize reclaimableSize } }',
    );
    expect(usage.body).toEqual(graph.data!.diskUsage);
    const bySize = await rest(api, '/api/v1/images?orderBy=SIZE&direction=ASC&first=100');
    const sizes = bySize.body.nodes.map((image: { size: number }) => image.size);
    expect(sizes).toEqual([...sizes].sort((a: number, b: number) => a - b));
    expect((await rest(api, '/api/v1/images?orderBy=NAME')).body.code).toBe('BAD_USER_INPUT');
    expect((await rest(api, '/api/v1/images/stevedore-fixtures%2Fno-such:1/history')).status).toBe(404);
  });

  it('reports the catalogue in readiness', async () => {
    const ready = await rest(api, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.catalogue).toMatchObject({ status: 'up' });
  });
});
