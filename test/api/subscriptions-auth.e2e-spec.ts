import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';

const env = readTestEnvironment();

/** Opens a graphql-ws connection and tells how it went: acknowledged, or closed with a code. */
function connect(api: ApiUnderTest, authorization?: string): Promise<'connected' | number> {
  return new Promise((resolve) => {
    const client = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: authorization === undefined ? {} : { authorization },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connected: () => {
          resolve('connected');
          void client.dispose();
        },
        closed: (event) => resolve((event as { code: number }).code),
      },
    });
  });
}

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
