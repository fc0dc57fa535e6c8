import type { IncomingHttpHeaders } from 'node:http';
import Negotiator from 'negotiator';
import { GRAPHQL_PATH } from '../../errors/problem-details.filter.js';
import { pathOfTarget } from '../../http/request-path.js';

/** What the decision reads of a request, on any HTTP framework's request object or Node's own. */
export interface PageRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The media types a GET to /graphql may be answered in: the page goes out when text/html wins
 * among these (as Apollo Server decided it, which served the page before Mercurius did), so a
 * client that takes JSON, or anything, gets GraphQL.
 */
const NEGOTIATED_MEDIA_TYPES = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'multipart/mixed; deferSpec=20220824',
  'multipart/mixed; incrementalSpec=v0.2',
  'multipart/mixed',
  'text/html',
];
const HTML = 'text/html';

/**
 * True when this request gets the IDE page rather than a GraphQL answer: a GET to /graphql whose
 * Accept header prefers HTML. The page is answered before the GraphQL route runs, so such a
 * request never executes an operation, whatever its query string says.
 */
export function isGraphiqlPageRequest(request: PageRequest): boolean {
  const accept = request.headers.accept;
  return (
    request.method === 'GET' &&
    Boolean(accept) &&
    pathOf(request).pathname === GRAPHQL_PATH &&
    new Negotiator({ headers: { accept } }).mediaType(NEGOTIATED_MEDIA_TYPES) === HTML
  );
}

/**
 * The one request that may reach /graphql without a token: the bare page, with no query string
 * at all. Requiring an empty query string too means that, even were the IDE plugin missing, no
 * anonymous GET could carry an operation (`query`) or a persisted-query hash (`extensions`).
 */
export function isAnonymousGraphiqlPageRequest(request: PageRequest): boolean {
  return isGraphiqlPageRequest(request) && pathOf(request).search === '';
}

/**
 * The path and query string as sent. Not `new URL(…)`: it throws on `//` and reads `//host/x` as
 * another host.
 */
function pathOf(request: PageRequest): { pathname: string; search: string } {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return { pathname: pathOfTarget(url), search: query === -1 ? '' : url.slice(query) };
}
