import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { loadConfig, type StevedoreConfig } from '#libs/config';
import { type ApiToken, type Role } from '#libs/auth';
import { createApiApp } from '../../apps/api/src/app.factory.js';
import type { TestEnvironment } from '../environment/types.js';
import { discardedLogs, type RecordingLogStream } from './recording-logger.js';

/** One token per role, long enough for the configuration's rule. */
export const TEST_TOKENS: Record<Role, string> = {
  read: 'test-read-token-0123456789',
  write: 'test-write-token-0123456789',
  admin: 'test-admin-token-0123456789',
};

export interface ApiUnderTest {
  readonly app: INestApplication;
  readonly url: string;
  readonly config: StevedoreConfig;
  close(): Promise<void>;
}

/**
 * The real api application wired to the test environment's daemon and Redis, on a free
 * loopback port, as `npm start` builds it (minus the private-Redis launcher).
 */
export async function startApi(
  env: TestEnvironment,
  overrides: NodeJS.ProcessEnv = {},
  options: { logs?: RecordingLogStream } = {},
): Promise<ApiUnderTest> {
  const config = loadConfig({
    DOCKER_HOST: env.docker.host,
    REDIS_URL: env.redis.url,
    HOST: '127.0.0.1',
    PORT: '0',
    STEVEDORE_API_TOKENS: Object.entries(TEST_TOKENS)
      .map(([role, token]) => `${role}:${token}`)
      .join(','),
    // A test that records logs sees every line, so secrets are looked for in all of them.
    LOG_LEVEL: options.logs ? 'verbose' : 'warn',
    // Rate limits have their own tests; elsewhere they would only make the suite flaky.
    RATE_LIMIT_QUERIES: '0',
    RATE_LIMIT_MUTATIONS: '0',
    ...overrides,
  });
  const tokens: ApiToken[] = [...config.apiTokens];
  const app = await createApiApp(config, tokens, { logDestination: options.logs ?? discardedLogs() });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, config, close: () => app.close() };
}

export interface GraphQLAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: { message: string; extensions?: { code?: string }; path?: string[] }[];
}

/** POSTs a GraphQL operation; `token: null` sends no Authorization header. */
export async function graphql<T = Record<string, unknown>>(
  api: ApiUnderTest,
  query: string,
  options: { token?: string | null; variables?: Record<string, unknown> } = {},
): Promise<GraphQLAnswer<T>> {
  const token = options.token === undefined ? TEST_TOKENS.read : options.token;
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body = (await response.json()) as Omit<GraphQLAnswer<T>, 'status'>;
  return { status: response.status, ...body };
}

/** GETs a REST path; `token: null` sends no Authorization header. */
export async function rest(
  api: ApiUnderTest,
  path: string,
  options: { token?: string | null; method?: string; body?: unknown } = {},
): Promise<{ status: number; contentType: string; body: any }> {
  const token = options.token === undefined ? TEST_TOKENS.read : options.token;
  const response = await fetch(`${api.url}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}
