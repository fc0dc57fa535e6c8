import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  DOCKER_HUB_AUTH_KEY,
  DockerConfigError,
  DockerConfigFile,
  credentialsFor,
  keyHostname,
  matchingKey,
  parseDockerConfig,
  readDockerConfig,
} from './docker-config.js';

const SECRET = 'Pa55-w0rd-Secr3t';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const plain = (c: { username?: string; password?: string; identityToken?: string } | null) =>
  c === null ? null : { ...c };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-auth-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(content: unknown, folder = dir): void {
  writeFileSync(join(folder, 'config.json'), typeof content === 'string' ? content : JSON.stringify(content));
}

describe('credentialsFor: which auths entry serves which registry', () => {
  it.each<[string, string, string | undefined]>([
    // Docker Hub: the CLI's key, then its other names, with or without scheme and path.
    ['docker.io', DOCKER_HUB_AUTH_KEY, DOCKER_HUB_AUTH_KEY],
    ['docker.io', 'index.docker.io', 'index.docker.io'],
    ['docker.io', 'docker.io', 'docker.io'],
    ['docker.io', 'https://docker.io', 'https://docker.io'],
    ['docker.io', 'registry-1.docker.io', 'registry-1.docker.io'],
    ['docker.io', 'https://registry-1.docker.io/v2/', 'https://registry-1.docker.io/v2/'],
    ['index.docker.io', DOCKER_HUB_AUTH_KEY, DOCKER_HUB_AUTH_KEY],
    ['registry-1.docker.io', 'docker.io', 'docker.io'],
    ['DOCKER.IO', DOCKER_HUB_AUTH_KEY, DOCKER_HUB_AUTH_KEY],
    ['docker.io', 'hub.example.com', undefined],
    // Other registries: host[:port], also written with a scheme or a path.
    ['registry.example.com', 'registry.example.com', 'registry.example.com'],
    ['registry.example.com', 'https://registry.example.com', 'https://registry.example.com'],
    ['registry.example.com', 'https://registry.example.com/v1/', 'https://registry.example.com/v1/'],
    ['localhost:5000', 'localhost:5000', 'localhost:5000'],
    ['localhost:5000', 'http://localhost:5000/v2/', 'http://localhost:5000/v2/'],
    ['127.0.0.1:5000', 'https://127.0.0.1:5000', 'https://127.0.0.1:5000'],
    ['[::1]:5000', 'http://[::1]:5000', 'http://[::1]:5000'],
    ['Registry.Example.com', 'registry.example.com', 'registry.example.com'],
    ['localhost:5000', 'localhost', undefined],
    ['localhost', 'localhost:5000', undefined],
    ['registry.example.com', 'registry.example.com.evil', undefined],
    ['registry.example.com', 'https://evil.example/registry.example.com', undefined],
    ['registry.example.com', 'ftp://registry.example.com', undefined],
    ['registry.example.com', DOCKER_HUB_AUTH_KEY, undefined],
    ['', 'docker.io', undefined],
  ])('registry %p with the single key %p uses %p', (host, key, expected) => {
    expect(matchingKey([key], host)).toBe(expected);
  });

  it('prefers the exact key, then the file order', () => {
    expect(matchingKey(['docker.io', 'index.docker.io', DOCKER_HUB_AUTH_KEY], 'docker.io')).toBe(
      DOCKER_HUB_AUTH_KEY,
    );
    expect(matchingKey(['registry-1.docker.io', 'docker.io', 'https://index.docker.io'], 'docker.io')).toBe(
      'https://index.docker.io',
    );
    expect(matchingKey(['https://r.example:5000', 'r.example:5000'], 'r.example:5000')).toBe(
      'r.example:5000',
    );
    expect(matchingKey(['http://r.example:5000/v2/', 'https://r.example:5000'], 'r.example:5000')).toBe(
      'http://r.example:5000/v2/',
    );
  });

  it('strips the scheme and path of a key as the CLI does', () => {
    expect(keyHostname('https://Host.Example:5000/v2/')).toBe('host.example:5000');
    expect(keyHostname('host:5000')).toBe('host:5000');
  });

  it('reads auth (base64 user:pass), username/password fields and identity tokens', () => {
    writeConfig({
      auths: {
        [DOCKER_HUB_AUTH_KEY]: { auth: b64(`alice:${SECRET}`) },
        'fields.example': { username: 'bob', password: SECRET },
        'token.example': { auth: b64('<token>:'), identitytoken: SECRET },
        'bare-token.example': { identitytoken: SECRET },
        'colon.example': { auth: b64(`carol:${SECRET}:with:colons\0\0`) },
        'both.example': { auth: b64(`dave:${SECRET}`), username: 'ignored', password: 'ignored' },
      },
    });
    const auths = readDockerConfig(dir);
    expect(auths.exists).toBe(true);
    expect(plain(credentialsFor(auths, 'docker.io'))).toEqual({ username: 'alice', password: SECRET });
    expect(plain(credentialsFor(auths, 'fields.example'))).toEqual({ username: 'bob', password: SECRET });
    expect(plain(credentialsFor(auths, 'token.example'))).toEqual({
      username: '<token>',
      identityToken: SECRET,
    });
    expect(plain(credentialsFor(auths, 'bare-token.example'))).toEqual({ identityToken: SECRET });
    expect(plain(credentialsFor(auths, 'colon.example'))).toEqual({
      username: 'carol',
      password: `${SECRET}:with:colons`,
    });
    expect(plain(credentialsFor(auths, 'both.example'))).toEqual({ username: 'dave', password: SECRET });
    expect(credentialsFor(auths, 'other.example')).toBeNull();
  });

  it('gives no credentials for an empty entry, as `docker login` leaves with a credsStore', () => {
    writeConfig({ auths: { 'r.example': {}, 'u.example': { username: 'only' } }, credsStore: 'desktop' });
    const auths = readDockerConfig(dir);
    expect(credentialsFor(auths, 'r.example')).toBeNull();
    expect(credentialsFor(auths, 'u.example')).toBeNull();
    expect(auths.usesCredentialHelpers).toBe(true);
    expect(auths.credsStore).toBe('desktop');
  });

  it('reports credHelpers without using them', () => {
    writeConfig({ auths: {}, credHelpers: { 'gcr.io': 'gcloud', 'x.example': 'pass' } });
    const auths = readDockerConfig(dir);
    expect(auths.usesCredentialHelpers).toBe(true);
    expect(auths.credHelperRegistries).toEqual(['gcr.io', 'x.example']);
    expect(credentialsFor(auths, 'gcr.io')).toBeNull();
    writeConfig({ auths: {} });
    expect(readDockerConfig(dir).usesCredentialHelpers).toBe(false);
  });

  it('refuses an unusable entry only when it is asked for, naming the file and entry but no content', () => {
    writeConfig({
      auths: {
        'bad.example': { auth: `!!${SECRET}!!` },
        'nocolon.example': { auth: b64(SECRET) },
        'number.example': { password: 42 },
        'good.example': { auth: b64(`alice:${SECRET}`) },
      },
    });
    const auths = readDockerConfig(dir);
    expect(credentialsFor(auths, 'good.example')?.username).toBe('alice');
    for (const host of ['bad.example', 'nocolon.example', 'number.example']) {
      let error: unknown;
      try {
        credentialsFor(auths, host);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DockerConfigError);
      const message = (error as Error).message;
      expect(message).toContain(join(dir, 'config.json'));
      expect(message).toContain(JSON.stringify(host));
      expect(message).not.toContain(SECRET);
      expect(inspect(error)).not.toContain(SECRET);
    }
  });
});

describe('readDockerConfig', () => {
  it('gives no credentials for a missing file or folder', () => {
    expect(readDockerConfig(dir).exists).toBe(false);
    expect(credentialsFor(readDockerConfig(dir), 'docker.io')).toBeNull();
    expect(readDockerConfig(join(dir, 'nope')).exists).toBe(false);
  });

  it('accepts a file without auths', () => {
    writeConfig({ psFormat: 'table' });
    expect(readDockerConfig(dir).servers).toEqual([]);
  });

  it.each([
    ['not JSON', `{"auths": {"r.example": {"auth": "${SECRET}"`, /is not valid JSON/],
    ['not an object', `["${SECRET}"]`, /does not hold a JSON object/],
    ['auths not an object', { auths: [SECRET] }, /"auths" in .* is not an object/],
  ])('refuses a file that is %s, naming it but not quoting it', (_, content, message) => {
    writeConfig(content);
    let error: unknown;
    try {
      readDockerConfig(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerConfigError);
    expect((error as DockerConfigError).file).toBe(join(dir, 'config.json'));
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(join(dir, 'config.json'));
    for (const text of [(error as Error).message, inspect(error), JSON.stringify(error)]) {
      expect(text).not.toContain(SECRET);
    }
    expect((error as Error).cause).toBeUndefined();
  });

  it('refuses a config.json that is a folder with a clear error', () => {
    mkdirSync(join(dir, 'config.json'));
    expect(() => readDockerConfig(dir)).toThrow(/Cannot read .*config\.json \(EISDIR\)/);
  });

  it('never prints its secrets', () => {
    writeConfig({ auths: { 'r.example': { auth: b64(`alice:${SECRET}`) } } });
    const auths = readDockerConfig(dir);
    const creds = credentialsFor(auths, 'r.example');
    for (const text of [
      JSON.stringify(auths),
      inspect(auths, { showHidden: true, depth: 9 }),
      JSON.stringify(creds),
      inspect(creds),
      inspect(new DockerConfigFile(dir)),
    ]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(b64(`alice:${SECRET}`));
    }
    expect(auths.servers).toEqual(['r.example']);
  });

  it('parses text directly', () => {
    expect(
      parseDockerConfig(
        '/x/config.json',
        JSON.stringify({ auths: { r: { identitytoken: 't' } } }),
      ).credentialsFor('r')?.identityToken,
    ).toBe('t');
  });
});

describe('DockerConfigFile', () => {
  it('re-reads the file when it changes, and copes with it appearing and disappearing', () => {
    const file = new DockerConfigFile(dir);
    expect(file.current().credentialsFor('r.example')).toBeNull();

    writeConfig({ auths: { 'r.example': { auth: b64('alice:one') } } });
    const first = file.current();
    expect(first.credentialsFor('r.example')?.password).toBe('one');
    expect(file.current()).toBe(first); // unchanged: cached

    // Same size, rewritten in place: the mtime tells.
    writeConfig({ auths: { 'r.example': { auth: b64('alice:two') } } });
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'config.json'), later, later);
    expect(file.current().credentialsFor('r.example')?.password).toBe('two');

    // Replaced atomically, as `docker login` does.
    writeFileSync(
      join(dir, 'new.json'),
      JSON.stringify({ auths: { 'r.example': { auth: b64('alice:three') } } }),
    );
    renameSync(join(dir, 'new.json'), join(dir, 'config.json'));
    expect(file.current().credentialsFor('r.example')?.password).toBe('three');

    rmSync(join(dir, 'config.json'));
    expect(file.current().exists).toBe(false);
  });

  it('does not cache a broken file: the next call reads it again', () => {
    const file = new DockerConfigFile(dir);
    writeConfig('{"auths": ');
    expect(() => file.current()).toThrow(DockerConfigError);
    writeConfig({ auths: { 'r.example': { auth: b64('alice:fixed') } } });
    expect(file.current().credentialsFor('r.example')?.password).toBe('fixed');
  });
});
