/**
 * Where the Engine API hangs: `/engine` for the api's default host, `/hosts/{name}/engine` for
 * one host of the fleet, each with or without a `/v1.xx` version, as the daemon serves both.
 */
const ENGINE_PATH = /^\/(?:hosts\/([^/]+)\/)?engine(?:\/v(\d+\.\d+))?(\/[^?]*)?$/;

/** The newest Engine API version served: what Debian's docker 20.10 negotiates. */
export const ENGINE_API_VERSION = '1.41';
/** The oldest: the docker CLI of the last several years asks for 1.24 or newer. */
export const ENGINE_MIN_API_VERSION = '1.24';

export interface EnginePath {
  /** The host named in the path; undefined under `/engine` (the default host). */
  readonly host: string | undefined;
  /** The version the path asks for (`1.41`), or null for an unversioned path. */
  readonly version: string | null;
  /** The daemon's own path, e.g. `/images/json`; `/` for the bare prefix. */
  readonly path: string;
}

/** Parses a request path (no query string); null when it is not under an Engine API prefix. */
export function parseEnginePath(pathname: string): EnginePath | null {
  const match = ENGINE_PATH.exec(pathname);
  if (!match) return null;
  let host: string | undefined;
  try {
    host = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
  } catch {
    host = match[1];
  }
  return { host, version: match[2] ?? null, path: match[3] || '/' };
}

export function isEnginePath(pathname: string): boolean {
  return ENGINE_PATH.test(pathname);
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b` (`1.41` against `1.9`). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return Math.sign(aMajor - bMajor || aMinor - bMinor);
}
