import { inspect } from 'node:util';
import { BadUserInputError } from '#libs/errors';
import { REDACTED, redact } from './redaction.js';
import {
  CREDENTIAL_FIELD_MAX_LENGTH,
  describeCredentials,
  validateCredentials,
  type RegistryCredentialsInput,
} from './registry-credentials.js';

const SECRET = 'Sup3r-S3cret-passw0rd';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('validateCredentials', () => {
  it('accepts username and password', () => {
    const c = validateCredentials({ username: 'alice', password: SECRET });
    expect({ username: c.username, password: c.password, identityToken: c.identityToken }).toEqual({
      username: 'alice',
      password: SECRET,
      identityToken: undefined,
    });
    expect(Object.keys(c)).toEqual(['username', 'password']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('accepts an identity token alone or with a username, and treats null as absent', () => {
    expect(
      Object.keys(validateCredentials({ identityToken: SECRET, username: null, password: null })),
    ).toEqual(['identityToken']);
    const withUser = validateCredentials({ identityToken: SECRET, username: '<token>' });
    expect([withUser.username, withUser.identityToken]).toEqual(['<token>', SECRET]);
  });

  it.each<[string, RegistryCredentialsInput, RegExp]>([
    ['a password without a username', { password: SECRET }, /auth\.password needs auth\.username/],
    ['a username without a password', { username: 'alice' }, /auth\.username needs auth\.password/],
    ['nothing', {}, /needs username and password, or identityToken/],
    ['all null', { username: null, password: null, identityToken: null }, /needs username/],
    ['an empty password', { username: 'alice', password: '' }, /auth\.password must not be empty/],
    ['an empty username', { username: '', password: SECRET }, /auth\.username must not be empty/],
    ['an empty identity token', { identityToken: '' }, /auth\.identityToken must not be empty/],
    ['a token with a password', { identityToken: SECRET, username: 'a', password: SECRET }, /not a password/],
    ['a colon in the username', { username: `a:${SECRET}`, password: SECRET }, /must not contain ':'/],
    ['a control character in the username', { username: 'a\nb', password: SECRET }, /control/],
    ['a non-string', { username: 'a', password: 42 as unknown as string }, /must be a string/],
    [
      'an over-long password',
      { username: 'a', password: SECRET.repeat(CREDENTIAL_FIELD_MAX_LENGTH) },
      /longer than/,
    ],
  ])('refuses %s as BAD_USER_INPUT without quoting any value', (_, input, message) => {
    const error = thrown(() => validateCredentials(input));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(error.message).toMatch(message);
    for (const text of [error.message, JSON.stringify(error), inspect(error), String(error.stack)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('names the input by the given path', () => {
    expect(() => validateCredentials({ password: 'x' }, { path: 'input.auth' })).toThrow(
      'input.auth.password needs input.auth.username',
    );
  });

  it('refuses a non-object', () => {
    expect(() => validateCredentials(null as unknown as RegistryCredentialsInput)).toThrow(BadUserInputError);
  });
});

describe('redaction of credentials', () => {
  const c = validateCredentials({ username: 'alice', password: SECRET });
  const t = validateCredentials({ identityToken: SECRET });

  it.each([
    ['JSON.stringify', (v: unknown) => JSON.stringify(v)],
    ['JSON.stringify nested', (v: unknown) => JSON.stringify({ job: { auth: v } })],
    ['util.inspect', (v: unknown) => inspect(v)],
    ['util.inspect nested, showHidden', (v: unknown) => inspect({ a: [v] }, { showHidden: true, depth: 9 })],
    ['template string', (v: unknown) => `${String(v)}`],
  ])('prints [redacted] through %s', (_, print) => {
    for (const value of [c, t]) {
      const text = print(value);
      expect(text).toContain(REDACTED);
      expect(text).not.toContain(SECRET);
    }
  });

  it('keeps the fields readable', () => {
    expect(c.password).toBe(SECRET);
    expect(t.identityToken).toBe(SECRET);
  });

  it('redact() protects any object in place', () => {
    const input = redact({ username: 'alice', password: SECRET });
    expect(JSON.stringify(input)).toBe(JSON.stringify(REDACTED));
    expect(inspect(input)).toBe(REDACTED);
    expect(input.password).toBe(SECRET);
  });
});

describe('describeCredentials', () => {
  it.each([
    [{ username: 'alice', password: SECRET }, 'user "alice" (password)'],
    [{ identityToken: SECRET }, 'identity token'],
    [{ username: '<token>', identityToken: SECRET }, 'user "<token>" (identity token)'],
  ])('describes %# without the secret', (input, text) => {
    expect(describeCredentials(validateCredentials(input))).toBe(text);
  });

  it('says when there are none, and shortens long names', () => {
    expect(describeCredentials(null)).toBe('no credentials');
    expect(describeCredentials(validateCredentials({ username: 'u'.repeat(100), password: 'p' }))).toBe(
      `user "${'u'.repeat(64)}…" (password)`,
    );
  });
});
