const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path of a request target as the router reads it: without the query string, and without
 * scheme and host when a client sent the absolute form (`GET http://host/graphql`), which HTTP
 * allows and the router routes by its path.
 */
export function pathOfTarget(target: string): string {
  const path = target.split('?', 1)[0]!;
  const absolute = ABSOLUTE_FORM.exec(path);
  return absolute ? path.slice(absolute[0].length) || '/' : path;
}
