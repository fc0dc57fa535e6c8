import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { connectionOutcome } from '../support/graphql-subscription.js';

const env = readTestEnvironment();

/** Opens a graphql-ws connection with this authorization, if any, and tells how it went. */
const connect = (api: ApiUnderTest, authorization?: string) =>
  connectionOutcome(api, authorization === undefined ? {} : { authorization });

describe('graphql-ws authentication', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(() => api?.close());

  it('acknowledges a connection_init that carries a known token', async () => {
    expect(await connect(api, `Bearer ${TEST_TOKENS.read}`)).toBe('connected');
  });

  it.each([
    ['no token', undefined],
    ['an unknown token', 'Bearer not-a-token-of-this-service'],
  ])('closes a connection with %s as 4401', async (_case, authorization) => {
    expect(await connect(api, authorization)).toBe(4401);
  });
});
