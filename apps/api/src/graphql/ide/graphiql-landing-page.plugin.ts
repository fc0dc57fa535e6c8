import type { ApolloServerPlugin, GraphQLServerListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { graphiqlPage } from './graphiql-page.js';

/**
 * Apollo's landing page at GET /graphql (for a browser, which prefers HTML): GraphiQL, served
 * whole from node_modules. Found by @nestjs/apollo's plugin explorer through @Plugin().
 */
@Plugin()
export class GraphiqlLandingPagePlugin implements ApolloServerPlugin {
  async serverWillStart(): Promise<GraphQLServerListener> {
    return {
      async renderLandingPage() {
        return { html: async () => (await graphiqlPage()).html };
      },
    };
  }
}
