import { GraphQLError } from 'graphql';
import type { DomainError } from '#libs/errors';

/**
 * How graphql-ws refuses an operation before it runs: the domain error's message and code. Over
 * HTTP a refusal is thrown as the domain error itself and answered like any other request
 * refused before execution (`problemAnswer`), with its code's status and Retry-After.
 */
export function socketRefusal(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code } });
}
