import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { StevedoreConfig } from '#libs/config';
import { parseEnginePath } from '../engine/engine-path.js';

/** Node's default server.requestTimeout: every route but the import keeps this bound. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
/** The one route whose body may take long to arrive: a large archive on a slow link. */
export const IMPORT_ROUTE = { method: 'POST', path: '/api/v1/images/import' } as const;
/**
 * How long a connection may go on sending a body after its answer went out (a refusal before
 * the body was read: 401, 403, 429, a full import area). Node reads and discards such a body;
 * without this bound an anonymous caller could trickle one into the import's long deadline.
 */
export const REFUSED_BODY_LINGER_MS = 5_000;
/** What Node itself answers when a request's time is up, before it closes the connection. */
const REQUEST_TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/** The HTTP server, and a way to run a middleware before routing and body parsing. */
export interface HttpApp {
  getHttpServer(): unknown;
  use(middleware: (request: IncomingMessage, response: ServerResponse, next: () => void) => void): unknown;
}

/**
 * Bounds how long a request may take to arrive, per route. Node cuts every request at
 * server.requestTimeout (300 s by default), which would cut a large import on a slow link: the
 * server's bound becomes the import's (IMPORT_TIMEOUT_SECONDS), and a middleware keeps the old
 * bound for every other route, closing (408, as Node does) a connection whose request body has
 * not arrived within `otherRoutesMs` of its headers. Call it before any route is registered
 * (right after NestFactory.create: it must run before the body is parsed).
 */
export function useRequestTimeouts(
  app: HttpApp,
  config: Pick<StevedoreConfig, 'jobs'>,
  options: { otherRoutesMs?: number; lingerMs?: number } = {},
): void {
  const server = app.getHttpServer() as Server;
  const importMs = config.jobs.importTimeoutMs;
  const otherRoutesMs = options.otherRoutesMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  server.requestTimeout = Math.max(importMs, otherRoutesMs);
  // Node requires headers to be bounded no later than the whole request.
  server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  app.use(
    requestBodyDeadline({
      importMs,
      otherRoutesMs,
      serverMs: server.requestTimeout,
      lingerMs: options.lingerMs ?? REFUSED_BODY_LINGER_MS,
    }),
  );
}

/**
 * A middleware that gives each request its deadline: `importMs` for the import route,
 * `otherRoutesMs` for the rest; none where the server's own bound (`serverMs`) is as short.
 */
export function requestBodyDeadline(bounds: {
  readonly importMs: number;
  readonly otherRoutesMs: number;
  readonly serverMs: number;
  readonly lingerMs: number;
}): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return (request, response, next) => {
    // Without a body the request has fully arrived with its headers: nothing to bound or linger on.
    if (!hasBody(request)) return next();
    const ms = isImportRequest(request) ? bounds.importMs : bounds.otherRoutesMs;
    if (ms < bounds.serverMs) closeIfIncompleteAfter(request, response, ms);
    // Answered before its body arrived (refused): the rest of the body gets lingerMs, not the deadline.
    response.once('finish', () => {
      if (request.complete) return;
      const timer = setTimeout(() => request.socket.destroy(), bounds.lingerMs);
      timer.unref();
      request.once('end', () => clearTimeout(timer));
    });
    next();
  };
}

/** Whether a body follows the headers (RFC 9112 §6.3: a transfer coding, or a length above zero). */
export function hasBody(request: Pick<IncomingMessage, 'headers'>): boolean {
  const { headers } = request;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/**
 * Whether the router would take the request to an import (REST's, whose matching ignores case
 * and a final `/`, or the Engine API's `docker load`).
 */
export function isImportRequest(request: Pick<IncomingMessage, 'method' | 'url'>): boolean {
  if (request.method !== IMPORT_ROUTE.method) return false;
  const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
  const path = url.split('?')[0]!;
  // `docker load` through the Engine API uploads the same archives.
  if (parseEnginePath(path)?.path.replace(/\/+$/, '') === '/images/load') return true;
  return path.toLowerCase().replace(/\/+$/, '') === IMPORT_ROUTE.path;
}

function closeIfIncompleteAfter(request: IncomingMessage, response: ServerResponse, ms: number): void {
  if (request.complete) return;
  const timer = setTimeout(() => {
    const socket = request.socket;
    if (request.complete || socket.destroyed) return;
    if (!response.headersSent && socket.writable) socket.write(REQUEST_TIMEOUT_RESPONSE);
    socket.destroy();
  }, ms);
  timer.unref();
  const stop = () => clearTimeout(timer);
  request.once('end', stop);
  // A response can end before its request did (an early refusal): Node then keeps reading the
  // body to discard it, which stays bounded until the request is complete.
  response.once('close', () => {
    if (request.complete) stop();
  });
}
