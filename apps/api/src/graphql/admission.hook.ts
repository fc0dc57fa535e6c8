import type { FastifyRequest } from 'fastify';
import { getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { BadUserInputError } from '#libs/errors';
import type { AdmissionChain } from '../operations/admission-chain.js';
import { documentCall } from './document-operations.js';
import { graphqlMarksOf } from './request-marks.js';

/**
 * GraphQL over HTTP, as the admission chain sees it: once Mercurius has parsed and validated a
 * document, the whole document is budgeted by its root fields' declarations before anything
 * executes; each root field is then authorised and audited as it runs (the admission
 * interceptor). A refusal is thrown, so it leaves with its code's HTTP status. Subscriptions
 * stream over graphql-ws only.
 */
export function admissionHook(chain: AdmissionChain) {
  return async (
    schema: GraphQLSchema,
    document: DocumentNode,
    context: MercuriusContext,
    variables?: Record<string, unknown>,
  ): Promise<void> => {
    const request = context.reply.request;
    const operation = getOperationAST(document, operationNameOf(request));
    if (!operation) return; // Mercurius refuses a document without one itself
    graphqlMarksOf(request).operationType = operation.operation;
    if (operation.operation === 'subscription') {
      throw new BadUserInputError(
        'Subscriptions run over graphql-ws (a WebSocket to /graphql), not over HTTP.',
      );
    }
    await chain.budget(documentCall(schema, operation, document, variables, request.principal));
  };
}

/** Mercurius hands the hook no operation name: it is the request's, in the body or the query string. */
function operationNameOf(request: FastifyRequest): string | undefined {
  const fields = (request.method === 'GET' ? request.query : request.body) as {
    operationName?: unknown;
  } | null;
  const name = fields?.operationName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
