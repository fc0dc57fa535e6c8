/**
 * The one definition of a secret by its name, for every place that writes data down: log lines,
 * audit entries, error details. A field whose name looks like a credential is replaced, at any
 * depth, whatever its value.
 */
// registry-config: the docker CLI's X-Registry-Config header, every registry password it has.
const SECRET_NAME = /auth|password|passwd|secret|token|credential|key$|registry-config/i;

/** What a secret prints as. */
export const REDACTED = '[redacted]';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A copy of `value` with every secret-named field replaced by REDACTED, however deep. An object
 * with its own toJSON (a Date, a value made with `redact`) is taken as JSON would take it;
 * errors are kept as they are, for their message and stack.
 */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return withoutUrlCredentials(value);
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, depth + 1));
  if (ArrayBuffer.isView(value)) return value;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return withoutSecrets(withToJson.toJSON(), depth + 1);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] =
      isSecretName(key) && field !== null && field !== undefined
        ? REDACTED
        : withoutSecrets(field, depth + 1);
  }
  return copy;
}

const MAX_DEPTH = 32;

/** `scheme://user:password@host` anywhere in a text: the password goes, whatever the field's name. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*):[^/?#@\s]*@/gi;
/** `scheme://token@host`: userinfo without a password is a token in the user's place. */
const URL_TOKEN = /([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s:]+@/gi;

export function withoutUrlCredentials(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(URL_TOKEN, `$1${REDACTED}@`);
}
