import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { isGraphiqlPageRequest } from '../graphql/ide/graphiql-page-request.js';
import { graphiqlPage } from '../graphql/ide/graphiql-page.js';

/** Header name (lower case) to value, as Fastify's `reply.headers` takes them. */
type HeaderSet = Readonly<Record<string, string>>;

/**
 * helmet's headers on every HTTP response (nosniff, frame and referrer policies, HSTS,
 * cross-origin policies, a Content-Security-Policy), set before any route. The CSP is helmet's
 * strict default (scripts from the service itself only: swagger-ui at /api/docs loads its
 * scripts that way) but for `upgrade-insecure-requests`, which would send the pages' own scripts
 * and styles to https:// when the service is reached over plain http. The GraphiQL page gets the
 * policy it declares: its two inline scripts by hash, Monaco's blob workers, graphql-ws.
 *
 * The policies depend on nothing in the request (no nonces), so helmet computes each set once,
 * at start-up, and every request copies it: running helmet's dozen middlewares per request was
 * about a tenth of a liveness probe's cost.
 */
export function useSecurityHeaders(fastify: FastifyInstance): void {
  const everywhere = headersOf(
    helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
  );
  // Built with the page, on its first request (the page's script hashes are its CSP).
  let onGraphiqlPage: Promise<HeaderSet> | undefined;
  const graphiqlPageHeaders = () =>
    (onGraphiqlPage ??= graphiqlPage().then((page) =>
      headersOf(
        helmet({ contentSecurityPolicy: { useDefaults: false, directives: page.contentSecurityPolicy } }),
      ),
    ));
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isGraphiqlPageRequest(request.raw)) {
      void reply.headers(everywhere);
      return done();
    }
    graphiqlPageHeaders().then(
      (headers) => {
        void reply.headers(headers);
        done();
      },
      (error: unknown) => done(error as Error),
    );
  });
}

/** The headers a helmet middleware sets, read by running it once against a recording response. */
export function headersOf(
  middleware: (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void,
): HeaderSet {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let failure: unknown;
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    failure = error;
    finished = true;
  });
  // helmet's middlewares are synchronous: an asynchronous one would have left `finished` unset.
  if (!finished || failure) throw new Error(`the security headers could not be computed: ${String(failure)}`);
  return Object.freeze(headers);
}
