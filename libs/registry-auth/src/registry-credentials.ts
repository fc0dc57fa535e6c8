import { BadUserInputError } from '#libs/errors';
import { redact } from './redaction.js';

/**
 * Credentials for one registry, in one of two shapes the Docker Engine accepts:
 * `{ username, password }` (HTTP basic, or exchanged for a bearer token), or `{ identityToken }`
 * (an OAuth refresh token, as `docker login` stores for some registries), optionally with the
 * `username` the registry issued it for.
 *
 * Objects made by this library (validateCredentials, the Docker config reader, unseal) are frozen
 * and print as `[redacted]` (JSON.stringify, util.inspect, String()); read the fields to use them.
 */
export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly identityToken?: string;
}

/** What a client may send, e.g. GraphQL `input RegistryAuthInput { username, password, identityToken }`. */
export interface RegistryCredentialsInput {
  readonly username?: string | null;
  readonly password?: string | null;
  readonly identityToken?: string | null;
}

/** Longest accepted field; identity tokens are JWTs of a few KB. The daemon's header limit is 1 MB. */
export const CREDENTIAL_FIELD_MAX_LENGTH = 16384;

type Field = 'username' | 'password' | 'identityToken';

/**
 * Checks a client's credentials and returns them as a frozen, redacted RegistryCredentials.
 * Valid: `username` + `password`, or `identityToken` (with an optional `username`). Anything else,
 * empty strings included, is a BadUserInputError whose message names fields, never their values.
 *
 * @param path how the message names the input, e.g. `auth` gives `auth.password`.
 */
export function validateCredentials(
  input: RegistryCredentialsInput,
  options: { path?: string } = {},
): RegistryCredentials {
  const path = options.path ?? 'auth';
  if (input === null || typeof input !== 'object') {
    throw new BadUserInputError(`${path} must be an object with username and password, or identityToken.`);
  }
  const username = field(input, 'username', path);
  const password = field(input, 'password', path);
  const identityToken = field(input, 'identityToken', path);

  if (username !== undefined && username.includes(':')) {
    throw new BadUserInputError(`${path}.username must not contain ':'.`);
  }
  if (identityToken !== undefined) {
    if (password !== undefined) {
      throw new BadUserInputError(
        `${path} takes either identityToken or username and password, not a password with an identityToken.`,
      );
    }
    return makeCredentials({ username, identityToken });
  }
  if (password !== undefined && username === undefined) {
    throw new BadUserInputError(`${path}.password needs ${path}.username.`);
  }
  if (username !== undefined && password === undefined) {
    throw new BadUserInputError(`${path}.username needs ${path}.password (or give ${path}.identityToken).`);
  }
  if (username === undefined || password === undefined) {
    throw new BadUserInputError(`${path} needs username and password, or identityToken.`);
  }
  return makeCredentials({ username, password });
}

function field(input: RegistryCredentialsInput, name: Field, path: string): string | undefined {
  const value: unknown = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadUserInputError(`${path}.${name} must be a string.`);
  if (value === '') throw new BadUserInputError(`${path}.${name} must not be empty.`);
  if (value.length > CREDENTIAL_FIELD_MAX_LENGTH) {
    throw new BadUserInputError(`${path}.${name} is longer than ${CREDENTIAL_FIELD_MAX_LENGTH} characters.`);
  }
  // eslint-disable-next-line no-control-regex
  if (name === 'username' && /[\u0000-\u001f\u007f]/.test(value)) {
    throw new BadUserInputError(`${path}.${name} must not contain control characters.`);
  }
  return value;
}

/**
 * Builds the frozen, redacted object without checks (the caller has validated the shape).
 * Undefined fields are left out, so `'password' in c` tells the shape.
 */
export function makeCredentials(fields: {
  username?: string;
  password?: string;
  identityToken?: string;
}): RegistryCredentials {
  const credentials: { username?: string; password?: string; identityToken?: string } = {};
  if (fields.username !== undefined) credentials.username = fields.username;
  if (fields.password !== undefined) credentials.password = fields.password;
  if (fields.identityToken !== undefined) credentials.identityToken = fields.identityToken;
  return Object.freeze(redact(credentials));
}

/**
 * A log-safe description: `user "alice" (password)`, `identity token`, `user "x" (identity token)`,
 * or `no credentials`. Never contains a password or token.
 */
export function describeCredentials(credentials: RegistryCredentials | null | undefined): string {
  if (credentials === null || credentials === undefined) return 'no credentials';
  const kind = credentials.identityToken !== undefined ? 'identity token' : 'password';
  if (credentials.username === undefined) return kind;
  const name =
    credentials.username.length > 64 ? `${credentials.username.slice(0, 64)}…` : credentials.username;
  return `user ${JSON.stringify(name)} (${kind})`;
}
