/**
 * The public error codes of ../shared/contract/errors.md, with the HTTP status each maps to.
 * This table is the single place where a code meets a transport.
 */
export const ERROR_HTTP_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  INVALID_REFERENCE: 400,
  IMAGE_NOT_FOUND: 404,
  AMBIGUOUS_REFERENCE: 409,
  IMAGE_IN_USE: 409,
  IMAGE_HAS_MULTIPLE_TAGS: 409,
  JOB_NOT_FOUND: 404,
  JOB_NOT_CANCELLABLE: 409,
  MANIFEST_UNKNOWN: 404,
  REGISTRY_UNAUTHORIZED: 401,
  REGISTRY_UNREACHABLE: 502,
  DOCKER_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  HOST_OFFLINE: 503,
  UNSUPPORTED: 501,
  INTERNAL: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}
