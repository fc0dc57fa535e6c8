import { GraphQLError } from 'graphql';
import { httpStatusOf, RateLimitedError, type DomainError } from '#libs/errors';

/**
 * The one way GraphQL refuses an operation before it runs, over HTTP and graphql-ws alike: the
 * domain error travels as the original error with its code; over HTTP, Apollo answers with the
 * code's status and any headers it calls for (Retry-After), from `extensions.http`.
 */
export function operationRefusal(error: DomainError): GraphQLError {
  const headers = new Map<string, string>();
  if (error instanceof RateLimitedError) headers.set('retry-after', String(error.retryAfterSeconds));
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { code: error.code, http: { status: httpStatusOf(error.code), headers } },
  });
}

/** graphql-ws sends errors as they are: the code alone, without Apollo's HTTP instructions. */
export function socketRefusal(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code } });
}
