import { GraphQLError } from 'graphql';
import { httpStatusOf, type DomainError } from '#libs/errors';

/**
 * How an Apollo plugin refuses an operation before it runs: the domain error travels as the
 * original error (the formatter keeps its code), its code's HTTP status and any headers as
 * Apollo's `extensions.http`.
 */
export function operationRefusal(error: DomainError, headers: Record<string, string> = {}): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { http: { status: httpStatusOf(error.code), headers: new Map(Object.entries(headers)) } },
  });
}
