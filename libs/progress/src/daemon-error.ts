import type { ErrorCode } from '#libs/errors';

export type DaemonErrorCode = Extract<
  ErrorCode,
  'MANIFEST_UNKNOWN' | 'REGISTRY_UNAUTHORIZED' | 'REGISTRY_UNREACHABLE' | 'DOCKER_UNAVAILABLE' | 'INTERNAL'
>;

export interface DaemonErrorClass {
  readonly code: DaemonErrorCode;
  /** Worth another attempt later: the cause may go away by itself. */
  readonly retryable: boolean;
}

interface Rule extends DaemonErrorClass {
  readonly pattern: RegExp;
  /** Only for this operation; both when absent. */
  readonly context?: 'pull' | 'push';
}

/*
 * First match wins. The texts are the daemon's (Docker 20.10 as captured in ./testing/streams,
 * plus Docker Hub's wording); Node's own socket errors mean the daemon itself went away.
 *
 * `pull access denied for x, repository does not exist or may require 'docker login'` is
 * MANIFEST_UNKNOWN: Docker Hub says it alike for a missing and a private repository, and the
 * daemon itself treats it as "not found" (HTTP 404); the message, kept as it is, names both
 * possibilities. A registry that asks for credentials says so plainly (`no basic auth
 * credentials`, `unauthorized: authentication required`): REGISTRY_UNAUTHORIZED.
 */
const RULES: readonly Rule[] = [
  {
    code: 'MANIFEST_UNKNOWN',
    retryable: false,
    pattern:
      /manifest unknown|name unknown|repository does not exist|pull access denied|manifest for \S+ not found|repository \S+ not found/i,
  },
  // The registry has the image, but not for the platform asked for.
  {
    code: 'MANIFEST_UNKNOWN',
    retryable: false,
    pattern: /does not match the specified platform|no matching manifest for/i,
  },
  // On a pull, anything "not found" is the registry's; on a push it may be the local image.
  { code: 'MANIFEST_UNKNOWN', retryable: false, context: 'pull', pattern: /not found/i },
  {
    code: 'REGISTRY_UNAUTHORIZED',
    retryable: false,
    pattern:
      /unauthorized|authentication required|no basic auth credentials|incorrect username or password|\bdenied: |requested access to the resource is denied|insufficient_scope|\b40[13] (Unauthorized|Forbidden)/i,
  },
  {
    code: 'DOCKER_UNAVAILABLE',
    retryable: true,
    // Case-sensitive: Node's error codes are upper case, Go's messages ("connection reset by peer")
    // are the registry's.
    pattern:
      /^aborted$|socket hang up|Cannot connect to the Docker daemon|Is the docker daemon running|docker\.sock|\bE(CONNREFUSED|CONNRESET|NOENT|PIPE)\b|context canceled/,
  },
  // A registry that is there but can never work as configured: retrying will not help.
  {
    code: 'REGISTRY_UNREACHABLE',
    retryable: false,
    pattern: /server gave HTTP response to HTTPS client|x509:|certificate/i,
  },
  {
    code: 'REGISTRY_UNREACHABLE',
    retryable: true,
    pattern: new RegExp(
      [
        'connection refused',
        'no such host',
        'i/o timeout',
        'TLS handshake timeout',
        'dial tcp',
        '\\bEOF\\b',
        'connection reset',
        'broken pipe',
        'network is unreachable',
        'no route to host',
        'server misbehaving',
        'timeout exceeded',
        'deadline exceeded',
        'request canceled',
        'toomanyrequests',
        'HTTP status: 5\\d\\d',
        '\\b5\\d\\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)',
      ].join('|'),
      'i',
    ),
  },
];

/**
 * Maps an error the daemon reported for a pull or push (an error line of the stream, or the text
 * of an HTTP error before the stream began) to a contract error code, and whether another attempt
 * may succeed. Anything unrecognised is INTERNAL and not retried.
 */
export function classifyDaemonError(message: string, context: 'pull' | 'push'): DaemonErrorClass {
  const text = daemonErrorText(message);
  const rule = RULES.find(
    (candidate) => (candidate.context ?? context) === context && candidate.pattern.test(text),
  );
  return rule ? { code: rule.code, retryable: rule.retryable } : { code: 'INTERNAL', retryable: false };
}

/**
 * The daemon's message for people: without dockerode's `(HTTP code 404) unexpected - ` prefix
 * (the daemon refuses with an HTTP status when it fails before streaming anything), and with any
 * credentials in a URL (`//user:password@`) or an Authorization value masked. The daemon does not
 * echo passwords; this is for whatever sits between it and us.
 */
export function daemonErrorText(message: string): string {
  return message
    .replace(/^\(HTTP code \d+\) [^-]*- /, '')
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//***@')
    .replace(/\b(Basic|Bearer) [A-Za-z0-9+/=._~-]+/g, '$1 ***')
    .trim();
}
