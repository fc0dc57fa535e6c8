import { match } from 'path-to-regexp';
import { pathOfTarget } from './request-path.js';

/**
 * Routes anyone may call: probes, the API description (it holds no data) and metrics (which
 * checks its own token). The only list of them: every other route serves a declared operation
 * (the api checks that at boot) and needs a token.
 */
export const OPEN_ROUTES = ['health/{*path}', 'api/docs', 'api/docs/{*path}', 'api/docs-json', 'metrics'];

const openRoutes = OPEN_ROUTES.map((route) => match(route));

/** Whether a path (a URL's, query string and all, or a route's pattern) is an open route. */
export function isOpenRoute(url: string): boolean {
  const path = pathOfTarget(url).replace(/^\/+|\/+$/g, '');
  return openRoutes.some((matches) => matches(path) !== false);
}
