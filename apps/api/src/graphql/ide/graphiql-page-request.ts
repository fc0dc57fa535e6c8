import type { Request } from 'express';
import { GRAPHQL_PATH } from '../../errors/problem-details.filter.js';

/**
 * The media types Apollo Server 5 weighs a GET's Accept header against before it serves its
 * landing page (ApolloServer.prefersHTML): the page goes out when text/html wins among these.
 */
const APOLLO_NEGOTIATED_MEDIA_TYPES = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'multipart/mixed; deferSpec=20220824',
  'multipart/mixed; incrementalSpec=v0.2',
  'multipart/mixed',
  'text/html',
];
const HTML = 'text/html';

/**
 * True when Apollo answers this request with the IDE page rather than by running an operation:
 * a GET to /graphql whose Accept header prefers HTML, decided as Apollo decides it (Express's
 * `accepts` and Apollo share the same `negotiator`). Apollo checks this before it reads any
 * operation, so such a request never executes one, whatever its query string says.
 */
export function isGraphiqlPageRequest(request: Request): boolean {
  return (
    request.method === 'GET' &&
    pathOf(request).pathname === GRAPHQL_PATH &&
    Boolean(request.headers.accept) &&
    request.accepts(APOLLO_NEGOTIATED_MEDIA_TYPES) === HTML
  );
}

/**
 * The one request that may reach /graphql without a token: the bare page, with no query string
 * at all. Requiring an empty query string too means that, even were the IDE plugin missing, no
 * anonymous GET could carry an operation (`query`) or a persisted-query hash (`extensions`).
 */
export function isAnonymousGraphiqlPageRequest(request: Request): boolean {
  return isGraphiqlPageRequest(request) && pathOf(request).search === '';
}

/**
 * The path and query string as sent. Not `new URL(…)`: it throws on `//` and reads `//host/x` as
 * another host. originalUrl: middleware mounted on a path sees request.path relative to it.
 */
function pathOf(request: Request): { pathname: string; search: string } {
  const url = request.originalUrl;
  const query = url.indexOf('?');
  return query === -1
    ? { pathname: url, search: '' }
    : { pathname: url.slice(0, query), search: url.slice(query) };
}
