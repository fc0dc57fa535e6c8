import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { RateLimitedError } from '#libs/errors';
import type { RequestQuota } from '#libs/rate-limit';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';
import { operationRefusal } from './operation-refusal.js';

type RequestContext = { req?: AuthenticatedRequest };

/**
 * One count per GraphQL operation over HTTP, once Apollo knows whether it is a query or a
 * mutation: a refused operation never executes, and leaves with 429 and Retry-After.
 */
export function rateLimitPlugin(quota: RequestQuota): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<RequestContext>> {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const principal = contextValue.req?.principal;
          // Subscriptions are refused over HTTP by their own plugin (hooks run together): no count.
          if (!principal || operation?.operation === 'subscription') return;
          const kind = operation?.operation === 'mutation' ? 'mutation' : 'query';
          const decision = await quota.consume(principal.fingerprint, kind);
          if (decision.allowed) return;
          throw operationRefusal(new RateLimitedError(decision.retryAfterSeconds, `${kind} operations`), {
            'retry-after': String(decision.retryAfterSeconds),
          });
        },
      };
    },
  };
}
