import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { isGraphiqlPageRequest } from './graphiql-page-request.js';
import { graphiqlPage } from './graphiql-page.js';

/**
 * The offline GraphQL IDE at GET /graphql, for a browser (which prefers HTML): GraphiQL, served
 * whole from node_modules, answered before the GraphQL route runs. Its page is open to a browser
 * without a token (see the HTTP edge); everything it then does against the api carries the token
 * its user puts in the header editor.
 */
@Module({})
export class GraphqlIdeModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // A callback hook, not an async one: every request passes here, and most go straight on.
    fastify?.addHook('preHandler', (request, reply, done) => {
      if (!isGraphiqlPageRequest(request.raw)) return done();
      graphiqlPage().then(
        ({ html }) => void reply.type('text/html; charset=utf-8').send(html),
        (error: unknown) => done(error as Error),
      );
    });
  }
}
