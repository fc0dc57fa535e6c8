import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';

const env = readTestEnvironment();

type AuditNode = {
  operation: string;
  arguments: Record<string, unknown>;
  caller: string;
  errorCode: string | null;
};

/** A tag of an image that does not exist: a change that reaches its resolver and changes nothing. */
const missingTag = (alias: string, n: number) =>
  `${alias}: tagImage(source: "stevedore-admission/none:1", target: "stevedore-admission/none:${n}") { reference }`;

async function auditEntries(api: ApiUnderTest): Promise<AuditNode[]> {
  const answer = await graphql<{ auditLog: { nodes: AuditNode[] } }>(
    api,
    '{ auditLog(first: 1000) { nodes { operation arguments caller errorCode } } }',
    { token: TEST_TOKENS.admin },
  );
  return answer.data!.auditLog.nodes;
}

describe('admitting changes: budgets per root field, aliases, refusals in the audit trail', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    // A Redis database of its own: the budgets and the audit trail here are this file's alone.
    api = await startApi(env, {
      REDIS_URL: `${env.redis.url}/9`,
      RATE_LIMIT_QUERIES: '1000',
      RATE_LIMIT_MUTATIONS: '5',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      GRAPHQL_MAX_ALIASES: '10',
    });
  });

  afterAll(() => api?.close());

  it('refuses a document with more aliases than the limit before it runs, queries and mutations alike', async () => {
    const aliasedQuery = `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: __typename`).join(' ')} ${Array.from(
      { length: 11 },
      (_, i) => `i${i}: images(first: 1) { totalCount }`,
    ).join(' ')} }`;
    const query = await graphql(api, aliasedQuery);
    expect(query.status).toBe(400);
    expect(query.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const flood = `mutation { ${Array.from({ length: 1000 }, (_, i) => missingTag(`t${i}`, i)).join(' ')} }`;
    const mutation = await graphql(api, flood, { token: TEST_TOKENS.write });
    expect(mutation.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(mutation.data).toBeUndefined();
    // Nothing ran: no tag attempt reached the audit trail.
    expect((await auditEntries(api)).filter((entry) => entry.operation === 'tagImage')).toEqual([]);
  });

  it('counts a mutation once per root field, so aliases cannot multiply one budgeted change', async () => {
    const token = TEST_TOKENS.write;
    const four = `mutation { ${[0, 1, 2, 3].map((i) => missingTag(`t${i}`, i)).join(' ')} }`;
    const first = await graphql(api, four, { token });
    // Mutations run one after another; the first fails a non-null field, which ends the rest.
    expect(first.errors?.map((error) => error.extensions?.code)).toEqual(['IMAGE_NOT_FOUND']);
    // 4 of 5 used: two more root fields are over the budget, and neither runs.
    const two = await graphql(api, `mutation { ${missingTag('a', 10)} ${missingTag('b', 11)} }`, { token });
    expect(two.status).toBe(429);
    expect(two.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // A refused flood is recorded once per window, not once per try.
    await graphql(api, `mutation { ${missingTag('c', 12)} ${missingTag('d', 13)} }`, { token });
    const restRefused = await rest(api, '/api/v1/images/stevedore-admission%2Fnone:1/tags', {
      token,
      method: 'POST',
      body: { target: 'stevedore-admission/none:14' },
    });
    expect(restRefused.status).toBe(429);

    const entries = await auditEntries(api);
    expect(
      entries.filter((entry) => entry.operation === 'tagImage' && entry.errorCode === 'IMAGE_NOT_FOUND'),
    ).toHaveLength(1);
    const refusals = entries.filter((entry) => entry.errorCode === 'RATE_LIMITED');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({
      operation: 'tagImage',
      caller: expect.stringMatching(/^write:[0-9a-f]{12}$/),
    });
  });

  it('records a change refused for its role, over GraphQL and REST', async () => {
    const token = TEST_TOKENS.read;
    const answer = await graphql(api, `mutation { ${missingTag('x', 20)} }`, { token });
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refused = await rest(api, '/api/v1/images/stevedore-admission%2Fnone:1', {
      token,
      method: 'DELETE',
    });
    expect(refused.status).toBe(403);

    const forbidden = (await auditEntries(api)).filter((entry) => entry.errorCode === 'FORBIDDEN');
    expect(forbidden.map((entry) => entry.operation).sort()).toEqual(['removeImage', 'tagImage']);
    expect(forbidden.every((entry) => /^read:[0-9a-f]{12}$/.test(entry.caller))).toBe(true);
  });

  it('bounds what one audit entry stores, with a marker', async () => {
    const admin = await startApi(env, { REDIS_URL: `${env.redis.url}/9`, RATE_LIMIT_MUTATIONS: '0' });
    try {
      const huge = `stevedore-admission/${'x'.repeat(200_000)}:1`;
      const answer = await graphql(admin, 'mutation($s: String!) { untagImage(ref: $s) { untagged } }', {
        token: TEST_TOKENS.write,
        variables: { s: huge },
      });
      expect(answer.errors?.[0]?.extensions?.code).toBe('INVALID_REFERENCE');
      const entry = (await auditEntries(admin)).find((each) => each.operation === 'untagImage')!;
      expect(entry.arguments).toMatchObject({ '[truncated]': true, originalBytes: expect.any(Number) });
      expect(JSON.stringify(entry.arguments).length).toBeLessThanOrEqual(4096);
    } finally {
      await admin.close();
    }
  });
});

describe('a change refused for its budget is audited with its arguments as resolved, over HTTP and graphql-ws', () => {
  let api: ApiUnderTest;
  const PASSWORD = 'hunter2-in-a-variable-named-pw';
  const pull = (alias: string) =>
    `${alias}: pullImage(input: { ref: "stevedore-admission/x:1", platform: "not a platform", auth: { username: $u, password: $pw } }) { id }`;

  beforeAll(async () => {
    // A database of its own, and a budget of one change: two root fields are always refused.
    api = await startApi(env, { REDIS_URL: `${env.redis.url}/12`, RATE_LIMIT_MUTATIONS: '1' });
  });

  afterAll(() => api?.close());

  it('finds secrets by their argument names, whatever the client called its variables', async () => {
    const refused = await graphql(api, `mutation($u: String!, $pw: String!) { ${pull('a')} ${pull('b')} }`, {
      token: TEST_TOKENS.write,
      variables: { u: 'someone', pw: PASSWORD },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const entries = await auditEntries(api);
    const entry = entries.find((each) => each.caller.startsWith('write:'))!;
    expect(entry).toMatchObject({ operation: 'pullImage', errorCode: 'RATE_LIMITED' });
    expect(entry.arguments).toMatchObject({
      a: { input: { ref: 'stevedore-admission/x:1', auth: '[redacted]' } },
    });
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
  });

  it('records a refusal over graphql-ws too', async () => {
    const refused = subscribe(
      api,
      `mutation($u: String = "someone", $pw: String = "${PASSWORD}") { ${pull('a')} ${pull('b')} }`,
      TEST_TOKENS.admin,
    );
    try {
      await eventually(async () => {
        expect(JSON.stringify(refused.errors)).toContain('RATE_LIMITED');
      }, 5_000);
    } finally {
      await refused.close();
    }
    const entries = await auditEntries(api);
    expect(entries.find((each) => each.caller.startsWith('admin:'))).toMatchObject({
      operation: 'pullImage',
      errorCode: 'RATE_LIMITED',
    });
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
  });
});

describe('export needs the write role unless EXPORT_ROLE opens it to readers', () => {
  const exportPath = () => `/api/v1/images/${encodeURIComponent(env.fixtures.images.appA.ref)}/export`;

  async function exportStatus(api: ApiUnderTest, token: string): Promise<number> {
    const response = await fetch(`${api.url}${exportPath()}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.body?.cancel();
    return response.status;
  }

  it('refuses a read token by default, and lets it through with EXPORT_ROLE=read', async () => {
    const closed = await startApi(env);
    try {
      expect(await exportStatus(closed, TEST_TOKENS.read)).toBe(403);
      expect(await exportStatus(closed, TEST_TOKENS.write)).toBe(200);
    } finally {
      await closed.close();
    }
    const open = await startApi(env, { EXPORT_ROLE: 'read' });
    try {
      expect(await exportStatus(open, TEST_TOKENS.read)).toBe(200);
    } finally {
      await open.close();
    }
  });
});
