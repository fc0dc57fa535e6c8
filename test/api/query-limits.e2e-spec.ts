import { readTestEnvironment } from '../environment/index.js';
import { graphql, startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { subscribe } from '../support/graphql-subscription.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();

/** `image { layers { images { layers { images … } } } }`, `levels` pairs deep. */
function deepQuery(levels: number): string {
  let selection = 'id';
  for (let level = 0; level < levels; level++) selection = `layers { images { ${selection} } }`;
  return `{ images(first: 1) { nodes { ${selection} } } }`;
}

describe('GraphQL depth and cost limits', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, { GRAPHQL_MAX_DEPTH: '8', GRAPHQL_MAX_COST: '400' });
  });

  afterAll(() => api?.close());

  it('refuses an operation over the depth limit with QUERY_TOO_COMPLEX, before it runs', async () => {
    expect((await graphql(api, deepQuery(2))).errors).toBeUndefined();
    const refused = await graphql(api, deepQuery(4));
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(refused.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('refuses an operation over the cost limit', async () => {
    // Cost counts each field of a list `first` times: 20 fields are cheap for 1 image, not for 50.
    const fields = Array.from({ length: 20 }, (_, index) => `a${index}: size`).join(' ');
    expect((await graphql(api, `{ images(first: 1) { nodes { ${fields} } } }`)).errors).toBeUndefined();
    const refused = await graphql(api, `{ images(first: 50) { nodes { ${fields} } } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(refused.errors?.[0]?.message).toMatch(/cost/i);
  });

  it('still answers introspection, which IDEs send deep', async () => {
    const answer = await graphql(
      api,
      '{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }',
    );
    expect(answer.errors).toBeUndefined();
  });

  it('applies the same limits to subscriptions over graphql-ws', async () => {
    const deep = subscribe(api, `subscription { jobUpdates { id progress { layers { id } } } }`);
    const tooDeep = subscribe(
      api,
      `subscription { imageEvents { ${Array.from({ length: 450 }, (_, index) => `a${index}: action`).join(' ')} } }`,
    );
    try {
      await eventually(async () => {
        // graphql-ws hands the subscription's errors over as one array: over the cost and the
        // alias limits, each QUERY_TOO_COMPLEX.
        const errors = tooDeep.errors.flat() as { extensions?: { code?: string }; message: string }[];
        expect(errors.map((error) => error.extensions?.code)).toEqual([
          'QUERY_TOO_COMPLEX',
          'QUERY_TOO_COMPLEX',
        ]);
        expect(errors.map((error) => error.message).join(' ')).toMatch(
          /Aliases limit of 30 exceeded, found 450/,
        );
      }, 3_000);
      expect(deep.errors).toEqual([]);
    } finally {
      await deep.close();
      await tooDeep.close();
    }
  });
});
