import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { BadUserInputError, DomainError } from '#libs/errors';
import type { FastifyRequest } from 'fastify';
import type { AdmissionChain } from '../operations/admission-chain.js';
import { documentCall } from './document-operations.js';
import { operationRefusal } from './operation-refusal.js';

type RequestContext = { req?: FastifyRequest };

/**
 * GraphQL over HTTP, as the admission chain sees it: once Apollo knows the operation, the whole
 * document is budgeted by its root fields' declarations before anything executes; each root
 * field is then authorised and audited as it runs (the admission interceptor). A refusal
 * leaves with its code's HTTP status. Subscriptions stream over graphql-ws only: over HTTP,
 * Apollo would run one as a query and answer null for a non-null field.
 */
export function admissionPlugin(chain: AdmissionChain): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<RequestContext>> {
      return {
        async didResolveOperation({ operation, document, contextValue, request, schema }) {
          if (!operation) return; // Apollo refuses a document without one itself
          if (operation.operation === 'subscription') {
            throw operationRefusal(
              new BadUserInputError(
                'Subscriptions run over graphql-ws (a WebSocket to /graphql), not over HTTP.',
              ),
            );
          }
          const principal = contextValue.req?.principal;
          try {
            await chain.budget(documentCall(schema, operation, document, request.variables, principal));
          } catch (error) {
            throw error instanceof DomainError ? operationRefusal(error) : error;
          }
        },
      };
    },
  };
}
