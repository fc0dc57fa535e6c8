/**
 * Log paths whose values are secrets, replaced before a line is written. pino's redaction
 * matches exact paths (a `*` is one level), so the usual secret names are listed at the depths
 * where Stevedore's log lines can carry them: request headers, and fields of logged objects.
 */
const SECRET_FIELDS = ['authorization', 'password', 'token', 'auth', 'identitytoken', 'registrytoken'];

export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-registry-auth"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export const REDACTION_CENSOR = '[redacted]';
