import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { RateLimitedError } from '#libs/errors';
import type { RequestQuota } from '#libs/rate-limit';
import type { ChangeAudit } from '../audit/change-audit.js';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';
import { operationBudget } from './operation-budget.js';
import { operationRefusal } from './operation-refusal.js';

type RequestContext = { req?: AuthenticatedRequest };

/**
 * Counts each GraphQL operation over HTTP against its caller's budget once Apollo knows what it
 * is: a query once, a mutation once per root field. A refused operation never executes, and
 * leaves with 429 and Retry-After; a refused mutation is audited.
 */
export function rateLimitPlugin(
  quota: RequestQuota,
  changes: ChangeAudit,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<RequestContext>> {
      return {
        async didResolveOperation({ operation, document, contextValue, request, schema }) {
          const principal = contextValue.req?.principal;
          // Subscriptions are refused over HTTP by their own plugin (hooks run together): no count.
          if (!principal || !operation || operation.operation === 'subscription') return;
          const budget = operationBudget(operation, document);
          const decision = await quota.consume(principal.fingerprint, budget.kind, budget.cost);
          if (decision.allowed) return;
          if (budget.kind === 'mutation') {
            await changes.recordBudgetRefusal(
              changes.describeMutation(schema, budget.rootFields, request.variables, principal),
            );
          }
          throw operationRefusal(
            new RateLimitedError(decision.retryAfterSeconds, `${budget.kind} operations`),
            { 'retry-after': String(decision.retryAfterSeconds) },
          );
        },
      };
    },
  };
}
