import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { isGraphiqlPageRequest } from '../graphql/ide/graphiql-page-request.js';
import { graphiqlPage } from '../graphql/ide/graphiql-page.js';

type Helmet = ReturnType<typeof helmet>;

/**
 * helmet's headers on every HTTP response (nosniff, frame and referrer policies, HSTS,
 * cross-origin policies, a Content-Security-Policy), set before any route. The CSP is helmet's
 * strict default (scripts from the service itself only: swagger-ui at /api/docs loads its
 * scripts that way) but for `upgrade-insecure-requests`, which would send the pages' own scripts
 * and styles to https:// when the service is reached over plain http. The GraphiQL page gets the
 * policy it declares: its two inline scripts by hash, Monaco's blob workers, graphql-ws.
 */
export function useSecurityHeaders(fastify: FastifyInstance): void {
  const everywhere = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  // Built with the page, on its first request (the page's script hashes are its CSP).
  let onGraphiqlPage: Promise<Helmet> | undefined;
  const graphiqlPageHeaders = () =>
    (onGraphiqlPage ??= graphiqlPage().then((page) =>
      helmet({ contentSecurityPolicy: { useDefaults: false, directives: page.contentSecurityPolicy } }),
    ));
  // helmet sets its headers on Node's response; Fastify keeps them when it writes its own.
  fastify.addHook('onRequest', (request, reply, done) => {
    const next = (error?: unknown) => done(error as Error | undefined);
    if (!isGraphiqlPageRequest(request.raw)) return everywhere(request.raw, reply.raw, next);
    graphiqlPageHeaders().then(
      (headers) => headers(request.raw, reply.raw, next),
      (error: unknown) => done(error as Error),
    );
  });
}
