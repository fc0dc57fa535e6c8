import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout;

const IMAGE_FIELDS = `id shortId repoTags repoDigests dangling official created size architecture os variant labels
  tags { reference familiar registry repository tag image { id } }
  config { cmd entrypoint env workingDir user exposedPorts volumes labels }`;

interface ImageNode {
  id: string;
  shortId: string;
  repoTags: string[];
  repoDigests: string[];
  dangling: boolean;
  official: boolean;
  created: string;
  size: number;
  architecture: string;
  os: string;
  variant: string | null;
  labels: Record<string, string>;
  tags: {
    reference: string;
    familiar: string;
    registry: string;
    repository: string;
    tag: string;
    image: { id: string };
  }[];
  config: Record<string, unknown>;
}

/** Every row `docker image ls --format '{{json .}}'` prints. */
async function dockerImageLs(...flags: string[]): Promise<{ ID: string; Repository: string; Tag: string }[]> {
  const out = await docker('image', 'ls', ...flags, '--no-trunc', '--format', '{{json .}}');
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

async function allImages(api: ApiUnderTest, filter?: Record<string, unknown>): Promise<ImageNode[]> {
  const answer = await graphql<{ images: { nodes: ImageNode[]; totalCount: number } }>(
    api,
    `query($filter: ImageFilter) { images(first: 500, filter: $filter) { totalCount nodes { ${IMAGE_FIELDS} } } }`,
    { variables: { filter } },
  );
  expect(answer.errors).toBeUndefined();
  expect(answer.data!.images.totalCount).toBe(answer.data!.images.nodes.length);
  return answer.data!.images.nodes;
}

describe('images, image and tags against the Docker CLI', () => {
  let api: ApiUnderTest;
  const officialTag = 'busybox:stevedore-e2e';

  beforeAll(async () => {
    // An official-looking name (docker.io/library/busybox) on a fixture, made locally before the
    // api starts, so its first catalogue has it.
    await docker('image', 'tag', env.fixtures.images.busybox.ref, officialTag);
    api = await startApi(env);
  });

  afterAll(async () => {
    await docker('image', 'rm', officialTag).catch(() => undefined);
    await api?.close();
  });

  it('lists the same images and tags as `docker image ls`', async () => {
    const rows = await dockerImageLs();
    const expected = new Map<string, Set<string>>();
    for (const row of rows) {
      const names = expected.get(row.ID) ?? new Set<string>();
      if (row.Tag !== '<none>') names.add(`${row.Repository}:${row.Tag}`);
      expected.set(row.ID, names);
    }
    const images = await allImages(api);
    expect(new Set(images.map((image) => image.id))).toEqual(new Set(expected.keys()));
    for (const image of images) {
      expect(new Set(image.repoTags)).toEqual(expected.get(image.id));
      expect(image.shortId).toBe(image.id.slice('sha256:'.length, 'sha256:'.length + 12));
      expect(image.dangling).toBe(image.repoTags.length === 0);
      expect(image.tags.map((tag) => tag.familiar).sort()).toEqual([...image.repoTags].sort());
      for (const tag of image.tags) expect(tag.image.id).toBe(image.id);
    }
    expect(images.map((image) => image.created)).toEqual(
      [...images.map((image) => image.created)].sort((a, b) => b.localeCompare(a)),
    );
  });

  it('includes intermediate images with all: true, as `docker image ls -a`', async () => {
    const rows = await dockerImageLs('-a');
    const images = await allImages(api, { all: true });
    expect(new Set(images.map((image) => image.id))).toEqual(new Set(rows.map((row) => row.ID)));
  });

  it('reports every field as `docker image inspect` does', async () => {
    const images = await allImages(api);
    const inspected = JSON.parse(
      await docker('image', 'inspect', ...images.map((image) => image.id)),
    ) as any[];
    for (const image of images) {
      const truth = inspected.find((candidate) => candidate.Id === image.id);
      expect(image.repoTags.sort()).toEqual([...(truth.RepoTags ?? [])].sort());
      expect(image.repoDigests.sort()).toEqual([...(truth.RepoDigests ?? [])].sort());
      expect(image.size).toBe(truth.Size);
      expect(image.architecture).toBe(truth.Architecture);
      expect(image.os).toBe(truth.Os);
      expect(image.variant).toBe(truth.Variant ?? null);
      expect(Math.floor(Date.parse(image.created) / 1000)).toBe(Math.floor(Date.parse(truth.Created) / 1000));
      expect(image.labels).toEqual(truth.Config?.Labels ?? {});
      expect(image.config).toEqual({
        cmd: truth.Config?.Cmd ?? null,
        entrypoint: truth.Config?.Entrypoint ?? null,
        env: truth.Config?.Env ?? [],
        workingDir: truth.Config?.WorkingDir || null,
        user: truth.Config?.User || null,
        exposedPorts: Object.keys(truth.Config?.ExposedPorts ?? {}),
        volumes: Object.keys(truth.Config?.Volumes ?? {}),
        labels: truth.Config?.Labels ?? {},
      });
    }
  });

  it('shows the configured fixture’s labels, env, cmd, entrypoint, ports and volumes', async () => {
    const fixture = env.fixtures.images.configured;
    const answer = await graphql<{ image: ImageNode }>(
      api,
      `{ image(ref: "${fixture.ref}") { ${IMAGE_FIELDS} } }`,
    );
    const config = answer.data!.image.config as Record<string, string[] | string | null>;
    expect(config.cmd?.length).toBeGreaterThan(0);
    expect(config.entrypoint?.length).toBeGreaterThan(0);
    expect(config.exposedPorts?.length).toBeGreaterThan(0);
    expect(config.volumes?.length).toBeGreaterThan(0);
    expect(config.workingDir).not.toBeNull();
    expect(config.user).not.toBeNull();
    expect(Object.keys(answer.data!.image.labels).length).toBeGreaterThan(0);
  });

  it('normalises tags and recognises official images', async () => {
    const answer = await graphql<{ image: ImageNode }>(
      api,
      `{ image(ref: "${officialTag}") { ${IMAGE_FIELDS} } }`,
    );
    const image = answer.data!.image;
    expect(image.official).toBe(true);
    expect(image.tags).toContainEqual({
      reference: 'docker.io/library/busybox:stevedore-e2e',
      familiar: officialTag,
      registry: 'docker.io',
      repository: 'library/busybox',
      tag: 'stevedore-e2e',
      image: { id: image.id },
    });
    const fixtures = await allImages(api, { official: false, reference: 'stevedore-fixtures/*' });
    expect(fixtures.length).toBeGreaterThan(0);
    expect(fixtures.every((candidate) => !candidate.official)).toBe(true);
  });

  it('finds an image by every form `docker image inspect` accepts', async () => {
    const fixture = env.fixtures.images.multiTag;
    const find = async (ref: string) =>
      (
        await graphql<{ image: { id: string } | null }>(
          api,
          `
            query ($ref: String!) {
              image(ref: $ref) {
                id
              }
            }
          `,
          {
            variables: { ref },
          },
        )
      ).data?.image?.id;
    for (const ref of fixture.refs) expect(await find(ref)).toBe(fixture.id);
    expect(await find(fixture.repository)).toBe(fixture.id); // tag defaults to latest
    expect(await find(`docker.io/${fixture.ref}`)).toBe(fixture.id);
    expect(await find(fixture.id)).toBe(fixture.id);
    expect(await find(fixture.id.slice('sha256:'.length))).toBe(fixture.id);
    expect(await find(fixture.id.slice(0, 'sha256:'.length + 12))).toBe(fixture.id);
    expect(await find(`${fixture.repository}:no-such-tag`)).toBeUndefined();
  });

  it('finds an image by digest after a real pull by digest', async () => {
    const copy = env.fixtures.images.appA.registries.open;
    await docker('pull', copy.digestRef);
    try {
      await eventually(async () => {
        const answer = await graphql<{ image: ImageNode }>(
          api,
          `{ image(ref: "${copy.digestRef}") { id repoDigests } }`,
        );
        expect(answer.data!.image?.id).toBe(env.fixtures.images.appA.id);
        expect(answer.data!.image.repoDigests).toContain(copy.digestRef);
      });
    } finally {
      await docker('image', 'rm', copy.digestRef).catch(() => undefined);
    }
  });

  it('resolves id prefixes exactly as the daemon does, ambiguity included', async () => {
    for (const prefix of '0123456789abcdef') {
      const daemon = await runDocker(env, ['image', 'inspect', '--format', '{{.Id}}', prefix]).then(
        (result) => ({ id: result.stdout.trim() }),
        (error: Error) => ({
          error: /ambiguous|multiple/i.test(error.message) ? 'AMBIGUOUS_REFERENCE' : 'absent',
        }),
      );
      const ours = await graphql<{ image: { id: string } | null }>(api, `{ image(ref: "${prefix}") { id } }`);
      if ('id' in daemon) expect(ours.data?.image?.id).toBe(daemon.id);
      else if (daemon.error === 'AMBIGUOUS_REFERENCE')
        expect(ours.errors?.[0]?.extensions?.code).toBe(daemon.error);
      else expect(ours.data?.image).toBeNull();
    }
  });

  it('answers INVALID_REFERENCE for a reference the grammar rejects, before asking Docker', async () => {
    const answer = await graphql(api, '{ image(ref: "Not/A:Valid::Ref") { id } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('INVALID_REFERENCE');
    expect(answer.errors?.[0]?.message).toContain('Not/A:Valid::Ref');
    const restAnswer = await rest(api, `/api/v1/images/${encodeURIComponent('Upper-Case:1')}`);
    expect(restAnswer.status).toBe(400);
    expect(restAnswer.contentType).toContain('application/problem+json');
    expect(restAnswer.body.code).toBe('INVALID_REFERENCE');
  });

  it('lists tags, optionally of one repository', async () => {
    const fixture = env.fixtures.images.multiTag;
    const answer = await graphql<{ tags: { familiar: string; image: { id: string } }[] }>(
      api,
      `{ tags(repository: "${fixture.repository}") { familiar image { id } } }`,
    );
    expect(answer.data!.tags.map((tag) => tag.familiar).sort()).toEqual([...fixture.refs].sort());
    expect(new Set(answer.data!.tags.map((tag) => tag.image.id))).toEqual(new Set([fixture.id]));
    const everyTag = await graphql<{ tags: { familiar: string }[] }>(api, '{ tags { familiar } }');
    const lsTags = (await dockerImageLs()).filter((row) => row.Tag !== '<none>');
    expect(everyTag.data!.tags.map((tag) => tag.familiar).sort()).toEqual(
      lsTags.map((row) => `${row.Repository}:${row.Tag}`).sort(),
    );
  });

  it('filters by reference glob, labels and dangling', async () => {
    const appImages = await allImages(api, { reference: 'stevedore-fixtures/app-*' });
    expect(new Set(appImages.map((image) => image.id))).toEqual(
      new Set([env.fixtures.images.appA.id, env.fixtures.images.appB.id]),
    );
    const configured = env.fixtures.images.configured;
    const [label, value] = Object.entries(
      (await allImages(api, { reference: configured.ref }))[0]!.labels,
    )[0]!;
    const byLabel = await allImages(api, { labels: [label, `${label}=${value}`] });
    expect(byLabel.map((image) => image.id)).toContain(configured.id);
    expect(await allImages(api, { labels: [`${label}=not-${value}`] })).not.toContainEqual(
      expect.objectContaining({ id: configured.id }),
    );
    const dangling = await allImages(api, { dangling: true });
    expect(dangling.every((image) => image.repoTags.length === 0)).toBe(true);
  });

  it('pages through images with cursors and rejects bad ones', async () => {
    const everything = (await allImages(api)).map((image) => image.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const answer: any = await graphql(
        api,
        'query($after: String) { images(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
        {
          variables: { after },
        },
      );
      seen.push(...answer.data.images.nodes.map((node: { id: string }) => node.id));
      if (!answer.data.images.pageInfo.hasNextPage) break;
      after = answer.data.images.pageInfo.endCursor;
    }
    expect(seen).toEqual(everything);
    for (const bad of [
      '{ images(after: "garbage") { totalCount } }',
      '{ images(first: -1) { totalCount } }',
    ]) {
      expect((await graphql(api, bad)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('mirrors the list and the lookup over REST', async () => {
    const graph = (await allImages(api)).map((image) => image.id);
    const list = await rest(api, '/api/v1/images?first=500');
    expect(list.status).toBe(200);
    expect(list.body.nodes.map((node: { id: string }) => node.id)).toEqual(graph);
    const fixture = env.fixtures.images.appB;
    const one = await rest(api, `/api/v1/images/${encodeURIComponent(fixture.ref)}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(fixture.id);
    expect(one.body.tags[0]).not.toHaveProperty('image');
    const missing = await rest(api, `/api/v1/images/${encodeURIComponent('stevedore-fixtures/none:1')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('IMAGE_NOT_FOUND');
    const badPage = await rest(api, '/api/v1/images?first=abc');
    expect(badPage.status).toBe(400);
    expect(badPage.body.code).toBe('BAD_USER_INPUT');
  });

  it('serves the schema committed as schema.gql', async () => {
    const answer = await graphql<any>(api, getIntrospectionQuery({ specifiedByUrl: true }));
    const served = printSchema(lexicographicSortSchema(buildClientSchema(answer.data)));
    expect(`${served}\n`).toEqual(readFileSync('schema.gql', 'utf8'));
  });
});
