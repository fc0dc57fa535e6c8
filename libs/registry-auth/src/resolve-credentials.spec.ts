import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadUserInputError } from '#libs/errors';
import { parseReference, registryOf } from '#libs/reference';
import { resolveCredentials, resolveCredentialsWithSource } from './resolve-credentials.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-auth-resolve-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub-user:hub-pass') },
        '127.0.0.1:5000': { auth: b64('local-user:local-pass') },
      },
    }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveCredentials', () => {
  it('prefers the input', () => {
    const resolved = resolveCredentialsWithSource({
      input: { username: 'in', password: 'put' },
      registryHost: '127.0.0.1:5000',
      dockerConfigDir: dir,
    });
    expect(resolved.source).toBe('input');
    expect(resolved.credentials?.username).toBe('in');
  });

  it('validates the input', () => {
    expect(() => resolveCredentials({ input: { password: 'p' }, registryHost: 'docker.io' })).toThrow(
      BadUserInputError,
    );
  });

  it("falls back to config.json for the reference's registry", () => {
    const hub = registryOf(parseReference('nginx:1.27'));
    expect(resolveCredentials({ registryHost: hub, dockerConfigDir: dir })?.username).toBe('hub-user');
    const local = registryOf(parseReference('127.0.0.1:5000/acme/app:1'));
    const resolved = resolveCredentialsWithSource({ input: null, registryHost: local, dockerConfigDir: dir });
    expect(resolved.source).toBe('docker-config');
    expect(resolved.credentials?.password).toBe('local-pass');
    expect(resolved.dockerConfig?.usesCredentialHelpers).toBe(false);
  });

  it('gives null when nothing matches or no folder is configured', () => {
    expect(resolveCredentials({ registryHost: 'other.example', dockerConfigDir: dir })).toBeNull();
    expect(resolveCredentials({ registryHost: 'docker.io' })).toBeNull();
    expect(resolveCredentialsWithSource({ registryHost: 'docker.io', dockerConfigDir: '' }).source).toBe(
      'none',
    );
    expect(resolveCredentials({ registryHost: '', dockerConfigDir: dir })).toBeNull();
  });

  it('sees a changed config.json without a restart', () => {
    expect(resolveCredentials({ registryHost: '127.0.0.1:5000', dockerConfigDir: dir })?.password).toBe(
      'local-pass',
    );
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('local-user:rotated!!') } } }),
    );
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'config.json'), later, later);
    expect(resolveCredentials({ registryHost: '127.0.0.1:5000', dockerConfigDir: dir })?.password).toBe(
      'rotated!!',
    );
  });
});
