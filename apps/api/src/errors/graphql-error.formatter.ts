import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { FastifyRequest } from 'fastify';
import { isQueryTooComplex, QUERY_TOO_COMPLEX } from '../graphql/query-limits.js';
import { graphqlMarksOf } from '../graphql/request-marks.js';
import { DomainError } from '#libs/errors';
import { toPublicError } from './public-error.js';
import { currentRequestId } from './request-id.js';

const logger = new Logger('GraphQL');

/**
 * One GraphQL error as the contract shows it: a code from errors.md, and no internal detail. An
 * error from before execution (no path) is the document's fault: its syntax, its validation,
 * its variables.
 */
export function formatGraphQLError(error: GraphQLError): GraphQLFormattedError {
  const { message, locations, path } = error;
  if (isQueryTooComplex(error)) return { message, locations, extensions: { code: QUERY_TOO_COMPLEX } };
  // Before execution (no path), only our own refusals are not the document's fault.
  if (!path && !(error.originalError instanceof DomainError)) {
    return { message, locations, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const requestId = currentRequestId() ?? randomUUID();
  const cause = error.originalError ?? error;
  const publicError = toPublicError(cause, requestId);
  if (publicError.unexpected) {
    logger.error({ requestId, path, err: cause instanceof Error ? cause.stack : String(cause) });
  }
  return { message: publicError.message, locations, path, extensions: { code: publicError.code } };
}

/**
 * Mercurius's errorFormatter, for a document that executed: every error formatted, the data as
 * it came (partial data is data), and 200 as the GraphQL-over-HTTP response of an execution.
 */
export function formatExecution(
  execution: ExecutionResult & { errors?: readonly unknown[] },
  context?: { reply?: { request: FastifyRequest } },
): {
  statusCode: number;
  response: { data: ExecutionResult['data'] | null; errors: GraphQLFormattedError[] };
} {
  if (context?.reply && (execution.errors?.length ?? 0) > 0) {
    graphqlMarksOf(context.reply.request).answeredWithErrors = true;
  }
  return {
    statusCode: 200,
    response: {
      data: execution.data ?? null,
      errors: (execution.errors ?? []).map((error) => formatGraphQLError(asGraphQLError(error))),
    },
  };
}

/**
 * The errors of a GraphQL request refused before execution, as Mercurius throws them: a parse or
 * validation failure carries the document's errors (`errors`); undefined for anything else.
 */
export function documentErrorsOf(exception: unknown): GraphQLFormattedError[] | undefined {
  const inner = (exception as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(inner) || inner.length === 0) return undefined;
  return inner.map((error) => formatGraphQLError(asGraphQLError(error)));
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  // Mercurius reports some document errors (a GET mutation, bad variables JSON) as plain Errors.
  return new GraphQLError(error instanceof Error ? error.message : String(error));
}
