import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import type { Principal, TokenAuthenticator } from '#libs/auth';
import { problemAnswer, sendProblem } from '../errors/problem-details.filter.js';
import { REQUEST_ID_HEADER, requestIdOf, runWithRequestId } from '../errors/request-id.js';
import { isAnonymousGraphiqlPageRequest } from '../graphql/ide/graphiql-page-request.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import { isOpenRoute } from './open-routes.js';
import { pathOfTarget } from './request-path.js';
import { isEnginePath } from '../engine/engine-path.js';

/** A middleware over Node's own request and response, as the edge's pieces are written. */
export type RawMiddleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: Error) => void,
) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the edge authenticated the request (absent on the open routes). */
    principal?: Principal;
  }
}

/** The route label of a request that reached no route: 404s, and requests refused before routing. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * What every HTTP request meets before routing, as Fastify hooks (cheaper than middleware): a
 * request id, the caller's identity, and on the way out one log line and its metrics. The
 * admission chain then decides, per operation, what the caller may do.
 */
export function useHttpEdge(
  fastify: FastifyInstance,
  edge: { authenticator: TokenAuthenticator; accessLog: Logger; metrics: RequestMetrics },
): void {
  fastify.decorateRequest('principal', undefined);
  fastify.addHook('onRequest', (request, reply, done) => {
    const id = requestIdOf(request.raw);
    void reply.header(REQUEST_ID_HEADER, id);
    // Everything after this hook (body, handler, the GraphQL error formatter) sees the id.
    runWithRequestId(id, done);
  });
  fastify.addHook('onRequest', authenticate(edge.authenticator));
  fastify.addHook('onResponse', answered(edge.accessLog, edge.metrics));
}

/** Runs a middleware written for Node's request and response as an onRequest hook. */
export function asHook(middleware: RawMiddleware) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void =>
    middleware(request.raw, reply.raw, done);
}

/**
 * Every request but those to the open routes carries a valid token, before anything reads its
 * body or runs a GraphQL document, so even an introspection query needs one. The one exception
 * on /graphql is a browser's bare GET of the IDE page, which carries no operation and cannot
 * carry a token; the IDE then sends the token its user enters with every operation.
 */
function authenticate(authenticator: TokenAuthenticator) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (openRoute(request) || isAnonymousGraphiqlPageRequest(request.raw)) return done();
    try {
      request.principal = authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      // Answered here, not thrown: a plugin's own error handler (the queue dashboard's) would
      // write the refusal in its own shape.
      return sendProblem(reply, problemAnswer(error, request));
    }
    done();
  };
}

/** Routes by pattern, once each: a matched request asks by its route's pattern, not its path. */
const openPatterns = new Map<string, boolean>();

function openRoute(request: FastifyRequest): boolean {
  const pattern = request.routeOptions.url;
  // Not found: by the path, so that an open path never answers 401 for want of a route.
  if (pattern === undefined) return isOpenRoute(request.url);
  let open = openPatterns.get(pattern);
  if (open === undefined) openPatterns.set(pattern, (open = isOpenRoute(pattern)));
  return open;
}

/**
 * One log line per answered request (headers only at debug, probes not at all: every few
 * seconds they would drown the log), and its duration by method, route pattern (never the URL,
 * which would make one series per image) and status. Streams the client closed (SSE, export)
 * are not request durations.
 */
function answered(logger: Logger, metrics: RequestMetrics) {
  const logs = logger.isLevelEnabled('info');
  const withHeaders = logger.isLevelEnabled('debug');
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const seconds = reply.elapsedTime / 1000;
    if (reply.raw.writableFinished) {
      metrics.http.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? UNMATCHED_ROUTE,
          status: String(reply.statusCode),
        },
        seconds,
      );
    }
    if (logs && !request.url.startsWith('/health/')) {
      logger.info({
        message: 'request completed',
        requestId: requestIdOf(request.raw),
        req: withHeaders
          ? { method: request.method, url: loggedUrl(request.url), headers: request.headers }
          : { method: request.method, url: loggedUrl(request.url) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      });
    }
    done();
  };
}

/**
 * The Engine API's query strings stay out of the log: the docker CLI puts secrets there in calls
 * Stevedore refuses (`docker build`'s buildargs), and a refusal is logged like any request.
 */
function loggedUrl(url: string): string {
  const path = pathOfTarget(url);
  return isEnginePath(path) && path.length < url.length ? `${path}?[query not logged]` : url;
}
