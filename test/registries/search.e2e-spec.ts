import { findFreePort } from '../environment/free-port.js';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';

/**
 * `searchImages` (issue 13) goes through the daemon's `GET /images/search`, against the
 * environment's stand-in of Docker Hub's v1 search API; `docker search` against the same index is
 * the oracle.
 */
const env = readTestEnvironment();
const index = env.searchIndex.host;

interface Found {
  name: string;
  description: string | null;
  stars: number;
  official: boolean;
  automated: boolean;
}

const SEARCH = `query($term: String!, $registry: String, $filter: SearchFilter, $first: Int) {
  searchImages(term: $term, registry: $registry, filter: $filter, first: $first) { name description stars official automated }
}`;

describe('searchImages: docker search through the daemon', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(() => api?.close());

  const search = (variables: Record<string, unknown>) =>
    graphql<{ searchImages: Found[] }>(api, SEARCH, { variables: { registry: index, ...variables } });

  it('finds what docker search finds, with the same names, stars and flags', async () => {
    const answer = await search({ term: 'nginx' });
    expect(answer.errors).toBeUndefined();
    const cli = (
      await runDocker(env, ['search', '--no-trunc', '--format', '{{json .}}', `${index}/nginx`])
    ).stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { Name: string; StarCount: string; IsOfficial: string; IsAutomated: string },
      );
    expect(answer.data!.searchImages.map((found) => found.name)).toEqual(cli.map((row) => row.Name));
    expect(answer.data!.searchImages.map((found) => found.stars)).toEqual(
      cli.map((row) => Number(row.StarCount)),
    );
    expect(answer.data!.searchImages.map((found) => found.official)).toEqual(
      // The CLI prints `[OK]` (20.10) or `true` (newer) for an official image.
      cli.map((row) => /^(\[OK\]|true)$/.test(row.IsOfficial)),
    );
    expect(answer.data!.searchImages).toHaveLength(3);
    expect(answer.data!.searchImages.find((found) => found.stars === 3)?.description).toBeNull();
  });

  it('filters official images and stars, and keeps to first', async () => {
    const official = await search({ term: 'nginx', filter: { official: true } });
    expect(official.data!.searchImages.map((found) => [found.stars, found.official])).toEqual([
      [20000, true],
    ]);
    const starred = await search({ term: 'nginx', filter: { minStars: 100 } });
    expect(starred.data!.searchImages.map((found) => found.stars).sort((a, b) => a - b)).toEqual([
      120, 20000,
    ]);
    expect((await search({ term: 'nginx', first: 1 })).data!.searchImages).toHaveLength(1);

    const mirror = await rest(api, `/api/v1/search?term=nginx&registry=${index}&minStars=100&official=false`);
    expect(mirror.status).toBe(200);
    expect(mirror.body).toEqual([
      expect.objectContaining({
        stars: 120,
        official: false,
        automated: true,
        description: 'Automated nginx reverse proxy',
      }),
    ]);
  });

  it('answers BAD_USER_INPUT for a bad term or page size, REGISTRY_UNREACHABLE for an index that is not there', async () => {
    const code = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
      answer.errors?.[0]?.extensions?.code;
    expect(code(await search({ term: 'two words' }))).toBe('BAD_USER_INPUT');
    expect(code(await search({ term: 'nginx', first: 101 }))).toBe('BAD_USER_INPUT');
    expect(code(await search({ term: 'nginx', registry: 'not a registry' }))).toBe('BAD_USER_INPUT');
    const nobody = `127.0.0.1:${await findFreePort()}`;
    expect(code(await search({ term: 'nginx', registry: nobody }))).toBe('REGISTRY_UNREACHABLE');
  });
});
