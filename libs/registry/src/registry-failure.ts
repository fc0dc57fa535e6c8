import {
  DomainError,
  ManifestUnknownError,
  RegistryRateLimitedError,
  RegistryUnauthorizedError,
  RegistryUnreachableError,
  UnsupportedError,
} from '#libs/errors';
import type { RegistryRateLimit } from './registry-client.port.js';

/** The `errors` of a Distribution error body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`. */
export function distributionErrorCodes(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown }[] };
    return (parsed.errors ?? []).map((error) => String(error.code ?? '')).filter(Boolean);
  } catch {
    return [];
  }
}

/** What the request was for, in words for an error message: `tag 1.0 of app`. */
export type Subject = string;

/**
 * The domain error of a registry's answer that is not a success. 401 and 403 reach here only
 * after the client authenticated (or could not), so they mean the credentials are refused.
 */
export function failureOf(
  registry: string,
  status: number,
  body: string,
  subject: Subject,
  retryAfter?: string,
): DomainError {
  const codes = distributionErrorCodes(body);
  if (status === 404 || codes.some((code) => /_UNKNOWN$/.test(code))) {
    return new ManifestUnknownError(`The registry ${registry} has no ${subject}.`);
  }
  if (status === 401 || status === 403) {
    return new RegistryUnauthorizedError(
      `The registry ${registry} refused access to ${subject}: check the credentials it has for it.`,
    );
  }
  if (status === 429 || codes.includes('TOOMANYREQUESTS')) {
    return new RegistryRateLimitedError(registry, retryAfterSeconds(retryAfter));
  }
  if (status === 405 || codes.includes('UNSUPPORTED')) {
    return new UnsupportedError(`The registry ${registry} does not offer ${subject}.`);
  }
  return new RegistryUnreachableError(`The registry ${registry} answered HTTP ${status} for ${subject}.`);
}

/** Retry-After as seconds: a number, or an HTTP date. */
export function retryAfterSeconds(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Docker Hub's `RateLimit-Limit: 100;w=21600` and `RateLimit-Remaining: 76;w=21600`. */
export function rateLimitOf(
  headers: Record<string, string | string[] | undefined>,
): RegistryRateLimit | undefined {
  const read = (name: string) => {
    const value = headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    const match = text ? /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(text) : null;
    return match ? { count: Number(match[1]), window: match[2] ? Number(match[2]) : undefined } : undefined;
  };
  const limit = read('ratelimit-limit');
  const remaining = read('ratelimit-remaining');
  if (!limit || !remaining) return undefined;
  return { limit: limit.count, remaining: remaining.count, windowSeconds: limit.window ?? remaining.window };
}

/** A network failure (refused, reset, timed out, bad TLS) as REGISTRY_UNREACHABLE, with no credential in it. */
export function unreachable(registry: string, error: unknown): RegistryUnreachableError {
  const reason =
    error instanceof Error ? ((error as { code?: string }).code ?? error.name) : 'the connection failed';
  return new RegistryUnreachableError(`The registry ${registry} could not be reached (${reason}).`, {
    cause: error,
  });
}
