import { Plugin } from '@nestjs/apollo';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { RequestMetrics } from './request-metrics.js';

/** The operation label of a request that failed before its operation was known (parse, validation). */
const UNKNOWN_OPERATION = 'unknown';

/**
 * Times GraphQL operations over HTTP by type and outcome. An Apollo plugin, found by
 * @nestjs/apollo among the app's providers through @Plugin(); graphql-ws subscriptions do not
 * pass through Apollo's request pipeline and are not timed here.
 */
@Plugin()
export class GraphQLMetricsPlugin implements ApolloServerPlugin {
  constructor(private readonly metrics: RequestMetrics) {}

  async requestDidStart(): Promise<GraphQLRequestListener<Record<string, unknown>>> {
    const stopTimer = this.metrics.graphql.startTimer();
    return {
      willSendResponse: async ({ operation, response, errors }) => {
        const body = response.body;
        const answered = body.kind === 'single' ? body.singleResult : body.initialResult;
        const failed = (errors?.length ?? 0) > 0 || (answered.errors?.length ?? 0) > 0;
        stopTimer({ operation: operation?.operation ?? UNKNOWN_OPERATION, outcome: failed ? 'error' : 'ok' });
      },
    };
  }
}
