import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { RecordingLogStream } from '../support/recording-logger.js';

const env = readTestEnvironment();
const REGISTRY_PASSWORD = 'registry-pw-Zq81-never-logged';
const IDENTITY_TOKEN = 'identity-token-Xk02-never-logged';
const BUILD_ARG_SECRET = 'build-arg-Pv47-never-logged';
const REGISTRY_CONFIG_SECRET = 'registry-config-Hn55-never-logged';

describe('structured logs', () => {
  const logs = new RecordingLogStream();
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, { JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '200' }, { logs });
  });

  afterAll(() => api?.close());

  it('writes one JSON object per line, with a level, a time and a message', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const entry of logs.entries()) {
      expect(entry).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number) }));
    }
    expect(logs.entries().some((entry) => typeof entry.message === 'string')).toBe(true);
  });

  it('tags every line logged while serving a request with its id, which the answer repeats', async () => {
    const requestId = 'req-structured-logs-1';
    const response = await fetch(`${api.url}/api/v1/images/stevedore-no-such-image:1/tags`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: `Bearer ${TEST_TOKENS.write}`,
      },
      body: JSON.stringify({ target: 'stevedore-no-such-image:2' }),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(((await response.json()) as { requestId: string }).requestId).toBe(requestId);

    await eventually(async () => {
      const mine = logs.entries().filter((entry) => entry.requestId === requestId);
      // The change the audit saw, and the access line written when the answer was sent.
      expect(mine.map((entry) => entry.message)).toEqual(
        expect.arrayContaining(['change', 'request completed']),
      );
    }, 5_000);
    const anonymous = await fetch(`${api.url}/api/v1/images?first=1`, {
      headers: { authorization: `Bearer ${TEST_TOKENS.read}` },
    });
    expect(anonymous.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes tokens, registry passwords or Authorization headers, at the most verbose level', async () => {
    const auth = { username: 'someone', password: REGISTRY_PASSWORD };
    // An unreachable registry: the job fails after its attempts, logging as it goes.
    const pulled = await graphql<{ pullImage: { id: string } }>(
      api,
      'mutation ($input: PullImageInput!) { pullImage(input: $input) { id } }',
      { token: TEST_TOKENS.write, variables: { input: { ref: '127.0.0.1:9/stevedore-logs/never:1', auth } } },
    );
    expect(pulled.errors).toBeUndefined();
    await rest(api, '/api/v1/images/pull', {
      token: TEST_TOKENS.admin,
      method: 'POST',
      body: { ref: '127.0.0.1:9/stevedore-logs/never-rest:1', auth: { identityToken: IDENTITY_TOKEN } },
    });
    await rest(api, '/api/v1/images?first=1', { token: 'Bearer-less-unknown-token-value-123' });
    // What the docker CLI sends to a daemon that is Stevedore: refused calls carry secrets too.
    const buildArgs = encodeURIComponent(JSON.stringify({ NPM_TOKEN: BUILD_ARG_SECRET }));
    const refused = await fetch(`${api.url}/engine/v1.41/build?buildargs=${buildArgs}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_TOKENS.write}`,
        'x-registry-config': Buffer.from(
          JSON.stringify({ r: { password: REGISTRY_CONFIG_SECRET } }),
        ).toString('base64'),
      },
    });
    expect(refused.status).toBe(501);
    await eventually(async () => {
      const job = await graphql<{ job: { state: string } }>(
        api,
        `{ job(id: "${pulled.data!.pullImage.id}") { state } }`,
      );
      expect(job.data?.job.state).toBe('FAILED');
    }, 60_000);

    const text = logs.text();
    for (const secret of [
      REGISTRY_PASSWORD,
      IDENTITY_TOKEN,
      TEST_TOKENS.read,
      TEST_TOKENS.write,
      TEST_TOKENS.admin,
      'Bearer-less-unknown-token-value-123',
      BUILD_ARG_SECRET,
      Buffer.from(JSON.stringify({ r: { password: REGISTRY_CONFIG_SECRET } })).toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
    }
    const access = logs.entries().find((entry) => entry.message === 'request completed') as {
      req: { headers: Record<string, string> };
    };
    expect(access.req.headers.authorization).toBe('[redacted]');
  }, 90_000);
});
