import { inspect } from 'node:util';
import fc from 'fast-check';
import { DOCKER_HUB_AUTH_KEY } from './docker-config.js';
import {
  dockerodeAuthconfig,
  encodeBase64UrlPadded,
  registryAuthHeader,
  serverAddressFor,
} from './registry-auth-header.js';
import { makeCredentials, validateCredentials } from './registry-credentials.js';

/** What the daemon does: Go's padded base64.URLEncoding, then JSON. */
function decodeLikeTheDaemon(header: string): unknown {
  expect(header).toMatch(/^[A-Za-z0-9_-]*={0,2}$/);
  expect(header.length % 4).toBe(0);
  return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

describe('registryAuthHeader', () => {
  it('encodes username and password with the Engine API field names', () => {
    const header = registryAuthHeader(
      validateCredentials({ username: 'alice', password: 'pa55' }),
      '127.0.0.1:5000',
    );
    expect(decodeLikeTheDaemon(header)).toEqual({
      username: 'alice',
      password: 'pa55',
      serveraddress: '127.0.0.1:5000',
    });
  });

  it('encodes an identity token, with its username when there is one', () => {
    expect(
      decodeLikeTheDaemon(registryAuthHeader(validateCredentials({ identityToken: 'tok' }), 'r')),
    ).toEqual({
      identitytoken: 'tok',
      serveraddress: 'r',
    });
    expect(
      decodeLikeTheDaemon(
        registryAuthHeader(validateCredentials({ identityToken: 'tok', username: '<token>' }), 'r'),
      ),
    ).toEqual({ username: '<token>', identitytoken: 'tok', serveraddress: 'r' });
  });

  it('is {} when there are no credentials', () => {
    expect(registryAuthHeader(null, 'docker.io')).toBe('e30=');
    expect(decodeLikeTheDaemon(registryAuthHeader(null, 'x'))).toEqual({});
  });

  it('always pads, uses the URL alphabet, and round-trips any text', () => {
    // '?>' gives '/' and '~~' gives '+' in standard base64.
    const header = registryAuthHeader(makeCredentials({ username: '??>>', password: '~~~ü' }), 'r');
    expect(header).not.toMatch(/[+/]/);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: 'grapheme' }),
        fc.string({ minLength: 1, unit: 'binary' }),
        fc.string(),
        (username, password, server) => {
          const decoded = decodeLikeTheDaemon(
            registryAuthHeader(makeCredentials({ username, password }), server),
          ) as Record<string, unknown>;
          expect(decoded).toEqual(
            server === ''
              ? { username, password, serveraddress: '' }
              : { username, password, serveraddress: server },
          );
        },
      ),
    );
  });

  it('pads like Go for every length', () => {
    for (const text of ['', 'a', 'ab', 'abc', 'abcd']) {
      expect(encodeBase64UrlPadded(text).length % 4).toBe(0);
    }
    expect(encodeBase64UrlPadded('{"a":1}')).toBe('eyJhIjoxfQ==');
  });
});

describe('serverAddressFor', () => {
  it('names Docker Hub as the CLI does and other registries by host', () => {
    expect(serverAddressFor('docker.io')).toBe(DOCKER_HUB_AUTH_KEY);
    expect(serverAddressFor('index.docker.io')).toBe(DOCKER_HUB_AUTH_KEY);
    expect(serverAddressFor('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('dockerodeAuthconfig', () => {
  it('carries the header as `key` and prints [redacted]', () => {
    const credentials = validateCredentials({ username: 'alice', password: 'Secr3t-xyz' });
    const authconfig = dockerodeAuthconfig(credentials, 'r');
    expect(authconfig.key).toBe(registryAuthHeader(credentials, 'r'));
    expect(JSON.stringify({ authconfig })).not.toContain(authconfig.key);
    expect(inspect({ authconfig })).not.toContain(authconfig.key);
    expect(dockerodeAuthconfig(null, 'r').key).toBe('e30=');
  });
});
