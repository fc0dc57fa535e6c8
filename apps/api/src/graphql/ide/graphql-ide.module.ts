import { Module } from '@nestjs/common';
import { GraphiqlLandingPagePlugin } from './graphiql-landing-page.plugin.js';

/**
 * The offline GraphQL IDE at GET /graphql. Its page is open to a browser without a token (see
 * AuthenticationMiddleware); everything it then does against the api carries the token its user
 * puts in the header editor.
 */
@Module({ providers: [GraphiqlLandingPagePlugin] })
export class GraphqlIdeModule {}
