import {
  DockerUnavailableError,
  DomainError,
  ImageNotFoundError,
  RegistryUnauthorizedError,
  RegistryUnreachableError,
} from '#libs/errors';

/** Error codes of a socket or TCP connection that mean "the daemon is not there". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface ModemError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

/** The daemon refused a change (HTTP 409), e.g. an image in use; `reason` is its own words. */
export class EngineConflictError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineConflictError';
  }
}

/**
 * Maps what dockerode throws to a domain error, in one place. `subject` names what was asked
 * for, so a 404 can say which image is missing.
 */
export function toEngineError(error: unknown, subject?: string): Error {
  if (error instanceof DomainError) return error;
  const modemError = (error ?? {}) as ModemError;
  if (modemError.code && UNREACHABLE_CODES.has(modemError.code)) {
    return new DockerUnavailableError(modemError.code, { cause: error });
  }
  if (modemError.statusCode === 404 && subject !== undefined) return new ImageNotFoundError(subject);
  if (modemError.statusCode === 409) return new EngineConflictError(daemonMessage(modemError));
  if (modemError.statusCode === 503)
    return new DockerUnavailableError('daemon answered 503', { cause: error });
  if (isTimeout(modemError)) return new DockerUnavailableError('request timed out', { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

function isTimeout(error: ModemError): boolean {
  return (
    typeof error.message === 'string' && /timeout/i.test(error.message) && error.statusCode === undefined
  );
}

/** The daemon's own message, without dockerode's `(HTTP code 409) unexpected - ` prefix. */
function daemonMessage(error: ModemError): string {
  return error.json?.message ?? (error.message ?? '').replace(/^\(HTTP code \d+\)\s+[a-z ]+-\s*/, '').trim();
}

/**
 * A search the daemon could not run: the daemon itself gone, or the index it asked failing (its
 * 500 carries the index's error, which names the index, never a credential).
 */
export function toSearchError(error: unknown, term: string): Error {
  const mapped = toEngineError(error);
  if (mapped instanceof DomainError) return mapped;
  const message = daemonMessage((error ?? {}) as ModemError) || 'the index did not answer';
  if (/unauthorized|authentication required|\b401\b|denied/i.test(message)) {
    return new RegistryUnauthorizedError(`The index refused the search for "${term}": ${message}`);
  }
  return new RegistryUnreachableError(`The index could not be searched for "${term}": ${message}`, {
    cause: error,
  });
}
