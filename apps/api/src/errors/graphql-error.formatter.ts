import { Logger } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError } from '#libs/errors';
import { isQueryTooComplex, QUERY_TOO_COMPLEX } from '../graphql/query-limits.js';
import { toPublicError } from './public-error.js';
import { currentRequestId } from './request-id.js';

const logger = new Logger('GraphQL');

/** Apollo's own codes for documents it rejects before execution: the caller's input. */
const APOLLO_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** Apollo formatError: every error leaves with a contract code and without internal detail. */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isQueryTooComplex(error)) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      extensions: { code: QUERY_TOO_COMPLEX },
    };
  }
  const apolloCode = formatted.extensions?.code;
  if (
    (typeof apolloCode === 'string' && APOLLO_INPUT_CODES.has(apolloCode)) ||
    isApolloRequestRefusal(error)
  ) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT' },
    };
  }
  const requestId = currentRequestId() ?? randomUUID();
  const cause = domainCauseOf(unwrapResolverError(error));
  const publicError = toPublicError(cause, requestId);
  if (publicError.unexpected) {
    logger.error({
      requestId,
      path: formatted.path,
      err: cause instanceof Error ? cause.stack : String(cause),
    });
  }
  return {
    message: publicError.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: publicError.code },
  };
}

/**
 * Apollo refuses some requests (a persisted-query hash it cannot use, say) with a bare
 * GraphQLError that carries only an HTTP 4xx status: the caller's input, too.
 */
function isApolloRequestRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError) return false;
  const status = (error.extensions['http'] as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Plugins refuse operations with a GraphQLError that wraps the domain error (for HTTP status). */
function domainCauseOf(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError instanceof DomainError
    ? error.originalError
    : error;
}
