import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();
const IMAGES_QUERY = '{ images(first: 1) { totalCount } }';

/** A graphql-ws client kept open; `outcome` says whether the server acknowledged it or closed it. */
function openConnection(
  api: ApiUnderTest,
  token: string,
): { client: Client; outcome: Promise<'connected' | number> } {
  let settle!: (outcome: 'connected' | number) => void;
  const outcome = new Promise<'connected' | number>((resolve) => (settle = resolve));
  const client = createClient({
    url: `${api.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => settle('connected'),
      closed: (event) => settle((event as { code: number }).code),
    },
  });
  return { client, outcome };
}

/** Runs one operation over an open graphql-ws client: its data, or the errors it ended with. */
function runOver(
  client: Client,
  query: string,
): Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }> {
  return new Promise((resolve) => {
    let data: unknown;
    client.subscribe(
      { query },
      {
        next: (message) => (data = message.data),
        error: (errors) => resolve({ errors: errors as { extensions?: { code?: string } }[] }),
        complete: () => resolve({ data }),
      },
    );
  });
}

describe('per-token rate limits', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    // A Redis database of its own: budgets are counted per token, and processes of other test
    // files (with default limits) count the same test tokens in the default database.
    api = await startApi(env, {
      REDIS_URL: `${env.redis.url}/5`,
      RATE_LIMIT_QUERIES: '4',
      RATE_LIMIT_MUTATIONS: '2',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
  });

  afterAll(() => api?.close());

  it('refuses a token over its query budget with RATE_LIMITED, 429 and Retry-After, before execution', async () => {
    const token = TEST_TOKENS.read;
    expect((await graphql(api, IMAGES_QUERY, { token })).status).toBe(200);
    expect((await graphql(api, IMAGES_QUERY, { token })).status).toBe(200);
    // REST reads draw on the same budget as GraphQL queries.
    expect((await rest(api, '/api/v1/images?first=1', { token })).status).toBe(200);
    expect((await graphql(api, IMAGES_QUERY, { token })).status).toBe(200);

    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: IMAGES_QUERY }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await response.json()) as {
      data?: unknown;
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0]!.message).toMatch(/retry in \d+ s/);

    const restRefusal = await fetch(`${api.url}/api/v1/images`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(restRefusal.status).toBe(429);
    expect(restRefusal.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(restRefusal.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await restRefusal.json()) as { code: string }).code).toBe('RATE_LIMITED');
  });

  it('counts mutations apart from queries, and each token apart', async () => {
    const token = TEST_TOKENS.write;
    for (let i = 0; i < 4; i += 1) await graphql(api, IMAGES_QUERY, { token });
    expect((await graphql(api, IMAGES_QUERY, { token })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

    // Queries are used up; the mutation budget is untouched. A tag of a missing image fails on its own terms.
    const tag =
      'mutation { tagImage(source: "stevedore-no-such-image:1", target: "stevedore-no-such:2") { reference } }';
    expect((await graphql(api, tag, { token })).errors?.[0]?.extensions?.code).toBe('IMAGE_NOT_FOUND');
    const restChange = await rest(api, '/api/v1/images/stevedore-no-such-image:1/tags', {
      token,
      method: 'POST',
      body: { target: 'stevedore-no-such:3' },
    });
    expect(restChange.body.code).toBe('IMAGE_NOT_FOUND');
    const third = await rest(api, '/api/v1/images/stevedore-no-such-image:1/tags', {
      token,
      method: 'POST',
      body: { target: 'stevedore-no-such:4' },
    });
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('RATE_LIMITED');

    expect((await graphql(api, IMAGES_QUERY, { token: TEST_TOKENS.admin })).status).toBe(200);
  });

  it('counts operations sent over graphql-ws against the same budget', async () => {
    const token = TEST_TOKENS.admin;
    const { client, outcome } = openConnection(api, token);
    try {
      expect(await outcome).toBe('connected');
      // One query over HTTP (above) and three more here reach the budget of four.
      for (let i = 0; i < 3; i += 1) expect((await runOver(client, IMAGES_QUERY)).data).toBeDefined();
      const refused = await runOver(client, IMAGES_QUERY);
      expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
  });
});

describe('a subscription sent over HTTP', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    // A Redis database of its own, as above.
    api = await startApi(env, { RATE_LIMIT_QUERIES: '1', REDIS_URL: `${env.redis.url}/6` });
  });

  afterAll(() => api?.close());

  it('is refused with BAD_USER_INPUT and does not use up the query budget', async () => {
    const refused = await graphql(api, 'subscription { imageEvents { action } }');
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await graphql(api, IMAGES_QUERY)).status).toBe(200);
    expect((await graphql(api, IMAGES_QUERY)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});

describe('request size, page size, introspection and CORS', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, {
      HTTP_BODY_LIMIT_BYTES: '4096',
      GRAPHQL_INTROSPECTION: 'false',
      CORS_ORIGINS: 'https://console.example.com',
    });
  });

  afterAll(() => api?.close());

  it('refuses a body over the limit with BAD_USER_INPUT, on GraphQL and REST alike', async () => {
    const padding = 'x'.repeat(8192);
    const big = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKENS.read}` },
      body: JSON.stringify({ query: IMAGES_QUERY, variables: { padding } }),
    });
    expect(big.status).toBe(400);
    expect(
      ((await big.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('BAD_USER_INPUT');
    const restBig = await rest(api, '/api/v1/images/prune', {
      token: TEST_TOKENS.admin,
      method: 'POST',
      body: { dryRun: true, padding },
    });
    expect(restBig.status).toBe(400);
    expect(restBig.body.code).toBe('BAD_USER_INPUT');
    // Just under the limit is fine.
    expect((await graphql(api, IMAGES_QUERY, { variables: { padding: 'x'.repeat(3000) } })).status).toBe(200);
  });

  it('refuses a page larger than the maximum', async () => {
    const answer = await graphql(api, '{ images(first: 1001) { totalCount } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const restAnswer = await rest(api, '/api/v1/images?first=1001');
    expect(restAnswer.status).toBe(400);
    expect(restAnswer.body.code).toBe('BAD_USER_INPUT');
  });

  it('refuses introspection when it is switched off', async () => {
    const answer = await graphql(api, '{ __schema { queryType { name } } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('allows only the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers at all by default', async () => {
    const closed = await startApi(env);
    try {
      const response = await fetch(`${closed.url}/api/v1/images?first=1`, {
        headers: { origin: 'https://console.example.com', authorization: `Bearer ${TEST_TOKENS.read}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      // On by default: introspection works for the IDE.
      expect((await graphql(closed, '{ __schema { queryType { name } } }')).errors).toBeUndefined();
    } finally {
      await closed.close();
    }
  });
});

describe('graphql-ws bounds', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, {
      WS_MAX_CONNECTIONS_PER_TOKEN: '2',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
    });
  });

  afterAll(() => api?.close());

  it('closes a connection over the per-token bound with 4429, and admits one again after a close', async () => {
    const first = openConnection(api, TEST_TOKENS.read);
    const second = openConnection(api, TEST_TOKENS.read);
    const third = openConnection(api, TEST_TOKENS.read);
    const other = openConnection(api, TEST_TOKENS.write);
    try {
      const outcomes = await Promise.all([first.outcome, second.outcome, third.outcome]);
      expect(outcomes.filter((outcome) => outcome === 'connected')).toHaveLength(2);
      expect(outcomes).toContain(4429);
      expect(await other.outcome).toBe('connected');

      const open = [first, second, third].filter((_connection, index) => outcomes[index] === 'connected');
      await open[0]!.client.dispose();
      await eventually(async () => {
        const again = openConnection(api, TEST_TOKENS.read);
        const outcome = await again.outcome;
        await again.client.dispose();
        expect(outcome).toBe('connected');
      }, 5_000);
    } finally {
      await Promise.all([first, second, third, other].map((connection) => connection.client.dispose()));
    }
  });

  it('refuses a subscription over the per-connection bound with RATE_LIMITED; the others keep running', async () => {
    const { client, outcome } = openConnection(api, TEST_TOKENS.admin);
    const ended: string[] = [];
    const subscribeEvents = (name: string) =>
      client.subscribe(
        { query: 'subscription { imageEvents { action } }' },
        {
          next: () => undefined,
          error: (errors) =>
            ended.push(`${name}:${(errors as { extensions?: { code?: string } }[])[0]?.extensions?.code}`),
          complete: () => ended.push(`${name}:complete`),
        },
      );
    try {
      expect(await outcome).toBe('connected');
      subscribeEvents('a');
      subscribeEvents('b');
      subscribeEvents('c');
      await eventually(async () => expect(ended).toEqual(['c:RATE_LIMITED']), 5_000);
    } finally {
      await client.dispose();
    }
  });
});
