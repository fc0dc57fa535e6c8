import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { RateLimitedError } from '#libs/errors';
import { formatGraphQLError } from './graphql-error.formatter.js';
import { runWithRequestId } from './request-id.js';

describe('formatGraphQLError', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('names the request id of the HTTP request being served in an INTERNAL message', () => {
    let message = '';
    runWithRequestId('req-formatter-1', () => {
      message = formatGraphQLError(
        new GraphQLError('boom', { path: ['images'], originalError: new Error('database exploded') }),
      ).message;
    });
    expect(message).toBe('Internal error; it was logged with request id req-formatter-1.');
  });

  it('outside a request (graphql-ws), still names an id', () => {
    expect(
      formatGraphQLError(new GraphQLError('boom', { path: ['images'], originalError: new Error('x') }))
        .message,
    ).toMatch(/^Internal error; it was logged with request id [0-9a-f-]{36}\.$/);
  });

  it('keeps the code of a domain error that a plugin wrapped for its HTTP status', () => {
    const refusal = new RateLimitedError(7, 'query operations');
    const wrapped = new GraphQLError(refusal.message, { originalError: refusal });
    expect(formatGraphQLError(wrapped)).toMatchObject({
      message: refusal.message,
      extensions: { code: 'RATE_LIMITED' },
    });
  });
});
