import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { RateLimitedError } from '#libs/errors';
import type { RequestQuota } from '#libs/rate-limit';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';

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
          const refusal = new RateLimitedError(decision.retryAfterSeconds, `${kind} operations`);
          throw new GraphQLError(refusal.message, {
            originalError: refusal,
            extensions: {
              http: {
                status: 429,
                headers: new Map([['retry-after', String(decision.retryAfterSeconds)]]),
              },
            },
          });
        },
      };
    },
  };
}
