import type { Request } from 'express';

/** The route label of a request that reached no route: 404s, and requests refused before routing. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * A wildcard path (`/{*path}`, `/*`): Nest mounts middleware for all routes as Express routes of
 * this kind, so a request that no handler took (404, or refused by a middleware) ends with one
 * as its route. The API's own routes have no wildcard.
 */
const WILDCARD = /\{\*|\*/;

/**
 * The route pattern a request was served by (`/api/v1/images/:ref`), never its URL, which would
 * make one time series per image. Sub-apps mounted without routes of their own (Apollo, the
 * dashboard's assets) are named by their mount path, given in `mounts`.
 */
export function routeLabelOf(request: Request, mounts: readonly string[]): string {
  const routePath: unknown = (request as Request & { route?: { path?: unknown } }).route?.path;
  if (typeof routePath === 'string' && !WILDCARD.test(routePath)) return `${request.baseUrl}${routePath}`;
  const path = request.originalUrl.split('?', 1)[0]!;
  return mounts.find((mount) => path === mount || path.startsWith(`${mount}/`)) ?? UNMATCHED_ROUTE;
}
