import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { REDACTED } from './redaction.js';
import { makeCredentials, type RegistryCredentials } from './registry-credentials.js';

/** The file the Docker CLI keeps in its config folder (`$DOCKER_CONFIG`, default `~/.docker`). */
export const DOCKER_CONFIG_FILE_NAME = 'config.json';

/** The key `docker login` stores Docker Hub credentials under (registry.IndexServer). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * Host names of Docker Hub, in the order their config entries are preferred after the exact
 * DOCKER_HUB_AUTH_KEY. `docker.io` is what `#libs/reference` calls the Hub.
 */
export const DOCKER_HUB_HOSTS: readonly string[] = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** The config file is missing a piece it needs, or cannot be read. Names the file, never its content. */
export class DockerConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'DockerConfigError';
  }
}

type Entry =
  | { readonly kind: 'credentials'; readonly credentials: RegistryCredentials }
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * The `auths` of one read of a Docker CLI config.json. Credential stores and helpers
 * (`credsStore`, `credHelpers`) are not supported: they are only reported, so the caller can
 * warn once. Prints as `[redacted]`.
 */
export class DockerConfigAuths {
  readonly #entries: ReadonlyMap<string, Entry>;

  constructor(
    /** The file this was read from. */
    readonly file: string,
    /** Whether the file existed; a missing file means no credentials. */
    readonly exists: boolean,
    entries: ReadonlyMap<string, Entry>,
    /** `credsStore` of the file (a helper name such as `desktop`), not used. */
    readonly credsStore: string | undefined,
    /** The registries `credHelpers` names, not used. */
    readonly credHelperRegistries: readonly string[],
  ) {
    this.#entries = entries;
  }

  /** An empty config for `file`, as when it does not exist. */
  static missing(file: string): DockerConfigAuths {
    return new DockerConfigAuths(file, false, new Map(), undefined, []);
  }

  /** The server keys of `auths`, in file order (they are not secret). */
  get servers(): readonly string[] {
    return [...this.#entries.keys()];
  }

  /** Whether the file configures credential helpers, which this service ignores. */
  get usesCredentialHelpers(): boolean {
    return this.credsStore !== undefined || this.credHelperRegistries.length > 0;
  }

  /** See the free function credentialsFor. */
  credentialsFor(registryHost: string): RegistryCredentials | null {
    const key = matchingKey([...this.#entries.keys()], registryHost);
    if (key === undefined) return null;
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.kind === 'empty') return null;
    if (entry.kind === 'invalid') {
      throw new DockerConfigError(
        this.file,
        `The entry ${JSON.stringify(key)} of auths in ${this.file} ${entry.reason}.`,
      );
    }
    return entry.credentials;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `DockerConfigAuths ${REDACTED}`;
  }
}

/**
 * Reads `<dir>/config.json` in the format the Docker CLI writes. A missing file (or folder) gives an
 * empty result; a file that is not JSON, or whose `auths` is not an object, throws a
 * DockerConfigError naming the file (never quoting it). An unusable entry throws only when a
 * lookup matches it.
 */
export function readDockerConfig(dir: string): DockerConfigAuths {
  const file = join(dir, DOCKER_CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return DockerConfigAuths.missing(file);
    throw new DockerConfigError(file, `Cannot read ${file} (${errorCode(error)}).`);
  }
  return parseDockerConfig(file, text);
}

/** Parses the text of a config.json; `file` only names it in errors. */
export function parseDockerConfig(file: string, text: string): DockerConfigAuths {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a credential.
    throw new DockerConfigError(file, `${file} is not valid JSON.`);
  }
  if (!isObject(root)) throw new DockerConfigError(file, `${file} does not hold a JSON object.`);

  const entries = new Map<string, Entry>();
  const auths = root.auths;
  if (auths !== undefined && auths !== null) {
    if (!isObject(auths)) throw new DockerConfigError(file, `"auths" in ${file} is not an object.`);
    for (const [server, value] of Object.entries(auths)) entries.set(server, parseEntry(value));
  }

  const credsStore =
    typeof root.credsStore === 'string' && root.credsStore !== '' ? root.credsStore : undefined;
  const credHelperRegistries = isObject(root.credHelpers) ? Object.keys(root.credHelpers) : [];
  return new DockerConfigAuths(file, true, entries, credsStore, credHelperRegistries);
}

/** One `auths` entry, as configfile.decodeAuth of the CLI reads it. */
function parseEntry(value: unknown): Entry {
  if (!isObject(value)) return { kind: 'invalid', reason: 'is not an object' };
  for (const name of ['auth', 'username', 'password', 'identitytoken'] as const) {
    const fieldValue = value[name];
    if (fieldValue !== undefined && fieldValue !== null && typeof fieldValue !== 'string') {
      return { kind: 'invalid', reason: `has a non-string "${name}"` };
    }
  }
  const str = (name: string): string | undefined => {
    const v = value[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };

  let username = str('username');
  let password = str('password');
  const auth = str('auth');
  if (auth !== undefined) {
    const decoded = decodeAuthField(auth);
    if (decoded === undefined) {
      return { kind: 'invalid', reason: 'has an "auth" value that is not base64 of "username:password"' };
    }
    ({ username, password } = decoded);
  }

  const identityToken = str('identitytoken');
  if (identityToken !== undefined) {
    // `docker login` with an identity token stores the username `<token>` (and no password).
    return { kind: 'credentials', credentials: makeCredentials({ username, identityToken }) };
  }
  if (username !== undefined && password !== undefined) {
    return { kind: 'credentials', credentials: makeCredentials({ username, password }) };
  }
  return { kind: 'empty' };
}

/** base64 (standard alphabet, as the CLI writes it) of `username:password`. */
function decodeAuthField(auth: string): { username: string; password: string | undefined } | undefined {
  const compact = auth.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    return undefined;
  }
  const text = Buffer.from(compact, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  // The CLI trims NUL padding some tools leave after the password.
  const password = text.slice(colon + 1).replace(/^\0+|\0+$/g, '');
  return { username: text.slice(0, colon), password: password === '' ? undefined : password };
}

/**
 * The credentials config.json holds for `registryHost` (as `#libs/reference`'s registryOf gives it:
 * `docker.io`, `host`, `host:port`), or null. Matching follows the Docker CLI's file store:
 * an entry whose key is exactly the registry's key wins; else an entry whose key, stripped of
 * `http://` or `https://` and of any path, is the host (in file order). Docker Hub's key is
 * `https://index.docker.io/v1/`; entries for `index.docker.io`, `docker.io` and
 * `registry-1.docker.io` (with or without scheme and path) are accepted too. Host names compare
 * case-insensitively. The empty registry (a domain-less reference) matches nothing.
 */
export function credentialsFor(auths: DockerConfigAuths, registryHost: string): RegistryCredentials | null {
  return auths.credentialsFor(registryHost);
}

/** The key of `keys` that holds `registryHost`'s credentials, by the rules of credentialsFor. */
export function matchingKey(keys: readonly string[], registryHost: string): string | undefined {
  const host = registryHost.toLowerCase();
  if (host === '') return undefined;
  if (isDockerHub(host)) {
    if (keys.includes(DOCKER_HUB_AUTH_KEY)) return DOCKER_HUB_AUTH_KEY;
    for (const hubHost of DOCKER_HUB_HOSTS) {
      const key = keys.find((k) => keyHostname(k) === hubHost);
      if (key !== undefined) return key;
    }
    return undefined;
  }
  if (keys.includes(registryHost)) return registryHost;
  return keys.find((k) => keyHostname(k) === host);
}

/** Whether `host` names Docker Hub (`docker.io`, `index.docker.io`, `registry-1.docker.io`). */
export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_HOSTS.includes(host.toLowerCase());
}

/** ConvertToHostname of the CLI: `https://host:5000/v2/` → `host:5000`, lower-cased. */
export function keyHostname(key: string): string {
  const stripped = key.replace(/^https?:\/\//i, '');
  const slash = stripped.indexOf('/');
  return (slash < 0 ? stripped : stripped.slice(0, slash)).toLowerCase();
}

/**
 * A config.json that is re-read whenever it changes (its size, mtime, ctime or inode), checked
 * with one stat per call, so rotated credentials apply without a restart. A read that fails
 * (e.g. a half-written file) is not cached: the next call tries again.
 */
export class DockerConfigFile {
  readonly file: string;
  #signature: string | undefined;
  #current: DockerConfigAuths | undefined;

  constructor(readonly dir: string) {
    this.file = join(dir, DOCKER_CONFIG_FILE_NAME);
  }

  /** The file's auths as they are now. Throws DockerConfigError as readDockerConfig does. */
  current(): DockerConfigAuths {
    const signature = this.#stat();
    if (signature === this.#signature && this.#current !== undefined) return this.#current;
    const auths = signature === 'missing' ? DockerConfigAuths.missing(this.file) : readDockerConfig(this.dir);
    this.#signature = signature;
    this.#current = auths;
    return auths;
  }

  #stat(): string {
    let stats: BigIntStats;
    try {
      stats = statSync(this.file, { bigint: true });
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw new DockerConfigError(this.file, `Cannot read ${this.file} (${errorCode(error)}).`);
    }
    return [stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':');
  }

  toJSON(): string {
    return `DockerConfigFile ${this.file}`;
  }

  [inspect.custom](): string {
    return `DockerConfigFile ${this.file}`;
  }
}

const files = new Map<string, DockerConfigFile>();

/** The shared DockerConfigFile of `dir` (one per folder per process). */
export function dockerConfigFile(dir: string): DockerConfigFile {
  let file = files.get(dir);
  if (file === undefined) {
    file = new DockerConfigFile(dir);
    files.set(dir, file);
  }
  return file;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
