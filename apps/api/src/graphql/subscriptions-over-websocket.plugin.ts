import type { ApolloServerPlugin } from '@apollo/server';
import { BadUserInputError } from '#libs/errors';
import { operationRefusal } from './operation-refusal.js';

/**
 * Subscriptions stream over graphql-ws only; over HTTP, Apollo would execute one as a query and
 * answer a null for a non-null field (INTERNAL). Refused before execution, as the caller's input.
 */
export function subscriptionsOverWebSocketOnly(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw operationRefusal(
            new BadUserInputError(
              'Subscriptions run over graphql-ws (a WebSocket to /graphql), not over HTTP.',
            ),
          );
        },
      };
    },
  };
}
