import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import {
  BadUserInputError,
  DomainError,
  RegistryUnauthorizedError,
  RegistryUnreachableError,
  UnsupportedError,
} from '#libs/errors';
import { type AuthChallenge, parseAuthChallenges } from './auth-challenge.js';
import { AuthorizationCache, DEFAULT_TOKEN_SECONDS } from './authorization-cache.js';
import { nextLink } from './link-header.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import type {
  RegistryCheck,
  RegistryClient,
  RemoteManifest,
  RemoteManifestHead,
  RemoteNames,
  RemotePage,
} from './registry-client.port.js';
import type { RegistryEndpoint } from './registry-endpoint.js';
import { failureOf, rateLimitOf, unreachable } from './registry-failure.js';

/** Distribution refuses manifests over 4 MiB; a config blob is far smaller. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_JSON_BLOB_BYTES = 8 * 1024 * 1024;
/** Enough of an error body to read its Distribution error code. */
const MAX_ERROR_BYTES = 64 * 1024;

export interface DistributionClientOptions {
  /** Per request: to connect, to receive the headers, and between two chunks of a body. */
  readonly timeoutMs: number;
  readonly userAgent: string;
}

interface Call {
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | Readable;
  /** Statuses that are answers, not failures (a HEAD's 404: the blob is not there). */
  readonly expected?: readonly number[];
  readonly accept?: string;
  /** The token scopes, space-separated: `repository:<name>:pull`, `registry:catalog:*`. */
  readonly scope: string;
  /** What the call is for, in an error message: `tag 1.0 of app`. */
  readonly subject: string;
  /** A catalog refused once authenticated is a catalog the registry does not offer. */
  readonly refusalIsUnsupported?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The Distribution v2 / OCI client, on undici: anonymous, Basic, and the Bearer token flow that
 * Docker Hub, GHCR and Harbor use (tokens cached per scope until they expire), Link-header pages,
 * timeouts, redirects for blobs (authorization is not carried to another origin), and every
 * failure as a domain error whose message names the registry and never a credential.
 */
export class DistributionClient implements RegistryClient {
  private readonly dispatcher: Dispatcher;
  private readonly authorizations = new AuthorizationCache();

  constructor(private readonly options: DistributionClientOptions) {
    const timeout = options.timeoutMs;
    this.dispatcher = new Agent({
      // Per registry: a page of tags asks for as many digests at once.
      connections: 16,
      connectTimeout: timeout,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    }).compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  async check(endpoint: RegistryEndpoint, timeoutMs: number): Promise<RegistryCheck> {
    try {
      const response = await this.send(endpoint, '/v2/', {
        scope: '',
        subject: 'its API',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      return { reachable: true, authenticated: endpoint.credentials !== undefined };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { reachable: code !== 'REGISTRY_UNREACHABLE', authenticated: false };
    }
  }

  async catalog(endpoint: RegistryEndpoint, page: RemotePage): Promise<RemoteNames> {
    if (endpoint.name === 'docker.io') {
      throw new UnsupportedError('Docker Hub does not list its repositories: search it with searchImages.');
    }
    const response = await this.send(endpoint, `/v2/_catalog?${pageQuery(page)}`, {
      scope: 'registry:catalog:*',
      subject: 'its catalog of repositories',
      refusalIsUnsupported: true,
    });
    const body = (await readJson(response, MAX_MANIFEST_BYTES, endpoint.name)) as { repositories?: unknown };
    return namesPage(body.repositories, response, endpoint.name, page);
  }

  async tags(endpoint: RegistryEndpoint, repository: string, page: RemotePage): Promise<RemoteNames> {
    const response = await this.send(endpoint, `/v2/${repository}/tags/list?${pageQuery(page)}`, {
      scope: pullScope(repository),
      subject: `repository ${repository}`,
    });
    const body = (await readJson(response, MAX_MANIFEST_BYTES, endpoint.name)) as { tags?: unknown };
    return namesPage(body.tags, response, endpoint.name, page);
  }

  async manifest(endpoint: RegistryEndpoint, repository: string, reference: string): Promise<RemoteManifest> {
    const response = await this.send(endpoint, manifestPath(repository, reference), {
      accept: MANIFEST_ACCEPT,
      scope: pullScope(repository),
      subject: manifestSubject(repository, reference),
    });
    const bytes = await readBounded(response.body, MAX_MANIFEST_BYTES, endpoint.name);
    const digest = checkedDigest(bytes, reference, header(response, 'docker-content-digest'), endpoint.name);
    return {
      digest,
      mediaType: mediaTypeOf(response, bytes),
      bytes,
      rateLimit: rateLimitOf(response.headers),
    };
  }

  async headManifest(
    endpoint: RegistryEndpoint,
    repository: string,
    reference: string,
  ): Promise<RemoteManifestHead> {
    const response = await this.send(endpoint, manifestPath(repository, reference), {
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
      scope: pullScope(repository),
      subject: manifestSubject(repository, reference),
    });
    await response.body.dump();
    const digest = header(response, 'docker-content-digest');
    // A registry that leaves the digest out of a HEAD: read the manifest to know it.
    if (!digest) return this.manifest(endpoint, repository, reference);
    const length = Number(header(response, 'content-length'));
    return {
      digest,
      mediaType: (header(response, 'content-type') ?? '').split(';')[0]!.trim(),
      size: Number.isFinite(length) ? length : undefined,
      rateLimit: rateLimitOf(response.headers),
    };
  }

  async jsonBlob(endpoint: RegistryEndpoint, repository: string, digest: string): Promise<unknown> {
    const response = await this.send(endpoint, `/v2/${repository}/blobs/${digest}`, {
      scope: pullScope(repository),
      subject: `blob ${digest} in ${repository}`,
    });
    const bytes = await readBounded(response.body, MAX_JSON_BLOB_BYTES, endpoint.name);
    checkedDigest(bytes, digest, undefined, endpoint.name);
    return parseJson(bytes, endpoint.name);
  }

  async hasBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    scope?: string,
  ): Promise<boolean> {
    const response = await this.send(endpoint, `/v2/${repository}/blobs/${digest}`, {
      method: 'HEAD',
      scope: scope ?? pullScope(repository),
      subject: `blob ${digest} in ${repository}`,
      expected: [404],
    });
    await response.body.dump();
    return response.statusCode === 200;
  }

  async openBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    signal?: AbortSignal,
  ): Promise<{ size: number | undefined; body: Readable }> {
    const response = await this.send(endpoint, `/v2/${repository}/blobs/${digest}`, {
      scope: pullScope(repository),
      subject: `blob ${digest} in ${repository}`,
      signal,
    });
    const length = Number(header(response, 'content-length'));
    return { size: Number.isFinite(length) ? length : undefined, body: response.body };
  }

  async mountBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    from: string,
  ): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from });
    const response = await this.send(endpoint, `/v2/${repository}/blobs/uploads/?${query.toString()}`, {
      method: 'POST',
      scope: `${pushScope(repository)} ${pullScope(from)}`,
      subject: `a mount of ${digest} into ${repository}`,
      headers: { 'content-length': '0' },
    });
    await response.body.dump();
    if (response.statusCode === 201) return true;
    // 202: the registry opened an upload instead; leave no session behind.
    const location = header(response, 'location');
    if (location) await this.cancelUpload(endpoint, repository, location);
    return false;
  }

  async uploadBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    size: number,
    body: Readable,
    signal?: AbortSignal,
  ): Promise<void> {
    const scope = pushScope(repository);
    const subject = `an upload of ${digest} to ${repository}`;
    const started = await this.send(endpoint, `/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      scope,
      subject,
      headers: { 'content-length': '0' },
      signal,
    });
    await started.body.dump();
    const location = header(started, 'location');
    if (!location)
      throw new RegistryUnreachableError(
        `The registry ${endpoint.name} opened an upload without a location.`,
      );
    const target = new URL(location, endpoint.baseUrl);
    target.searchParams.set('digest', digest);
    // The POST authorised this scope: the PUT, whose stream cannot be sent twice, reuses it.
    const finished = await this.send(endpoint, `${target.pathname}${target.search}`, {
      method: 'PUT',
      scope,
      subject,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      signal,
    });
    await finished.body.dump();
  }

  async putManifest(
    endpoint: RegistryEndpoint,
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<string> {
    const response = await this.send(endpoint, manifestPath(repository, reference), {
      method: 'PUT',
      scope: pushScope(repository),
      subject: manifestSubject(repository, reference),
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    await response.body.dump();
    return (
      header(response, 'docker-content-digest') ??
      `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    );
  }

  private async cancelUpload(
    endpoint: RegistryEndpoint,
    repository: string,
    location: string,
  ): Promise<void> {
    const url = new URL(location, endpoint.baseUrl);
    try {
      const response = await this.send(endpoint, `${url.pathname}${url.search}`, {
        method: 'DELETE',
        scope: pushScope(repository),
        subject: 'an upload',
        expected: [404],
      });
      await response.body.dump();
    } catch {
      // An upload session the registry keeps expires by itself.
    }
  }

  /** One call, authenticated on the registry's challenge when it answers 401. */
  private async send(endpoint: RegistryEndpoint, path: string, call: Call): Promise<Dispatcher.ResponseData> {
    const url = new URL(path, endpoint.baseUrl);
    let authorization = this.authorizations.get(endpoint, call.scope);
    let response = await this.call(endpoint, url, call, authorization);
    if (response.statusCode === 401) {
      const challenges = parseAuthChallenges(response.headers['www-authenticate']);
      await response.body.dump();
      if (authorization) this.authorizations.forget(endpoint, call.scope);
      authorization = await this.authorize(endpoint, challenges, call);
      response = await this.call(endpoint, url, call, authorization);
    }
    if (
      (response.statusCode >= 200 && response.statusCode < 300) ||
      call.expected?.includes(response.statusCode)
    ) {
      return response;
    }
    const body =
      call.method === 'HEAD'
        ? ''
        : (await readBounded(response.body, MAX_ERROR_BYTES, endpoint.name, true)).toString();
    if (call.method === 'HEAD') await response.body.dump();
    if (response.statusCode === 401) this.authorizations.forget(endpoint, call.scope);
    if (call.refusalIsUnsupported && [401, 403, 404].includes(response.statusCode)) {
      throw new UnsupportedError(
        `The registry ${endpoint.name} does not offer ${call.subject} to these credentials.`,
      );
    }
    throw failureOf(endpoint.name, response.statusCode, body, call.subject, header(response, 'retry-after'));
  }

  private async call(
    endpoint: RegistryEndpoint,
    url: URL,
    call: Call,
    authorization: string | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...call.headers };
    if (call.accept) headers.accept = call.accept;
    if (authorization) headers.authorization = authorization;
    try {
      return await request(url, {
        method: call.method ?? 'GET',
        headers,
        body: call.body,
        dispatcher: this.dispatcher,
        signal: call.signal,
      });
    } catch (error) {
      throw unreachable(endpoint.name, error);
    }
  }

  /** The Authorization for a challenge: Basic with the registry's credentials, or a bearer token. */
  private async authorize(
    endpoint: RegistryEndpoint,
    challenges: readonly AuthChallenge[],
    call: Call,
  ): Promise<string> {
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer) return this.bearerToken(endpoint, bearer, call);
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      const { username, password } = endpoint.credentials ?? {};
      if (username === undefined || password === undefined) throw needsCredentials(endpoint);
      const value = basicHeader(username, password);
      this.authorizations.putBasic(endpoint, value);
      return value;
    }
    throw new RegistryUnauthorizedError(
      `The registry ${endpoint.name} asks for an authentication scheme Stevedore does not speak.`,
    );
  }

  /** The token flow of the Docker Registry token spec, and its OAuth2 form for identity tokens. */
  private async bearerToken(
    endpoint: RegistryEndpoint,
    challenge: AuthChallenge,
    call: Call,
  ): Promise<string> {
    const { scope, signal } = call;
    const realm = tokenRealm(endpoint, challenge.params.realm);
    const service = challenge.params.service;
    const credentials = endpoint.credentials ?? {};
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
    let response: Dispatcher.ResponseData;
    try {
      if (credentials.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: credentials.identityToken,
          client_id: 'stevedore',
          ...(service ? { service } : {}),
        });
        // Several scopes (a mount reads one repository and writes another): one parameter each.
        for (const each of scope.split(' ').filter(Boolean)) form.append('scope', each);
        headers['content-type'] = 'application/x-www-form-urlencoded';
        response = await request(realm, {
          method: 'POST',
          headers,
          body: form.toString(),
          dispatcher: this.dispatcher,
          signal,
        });
      } else {
        for (const each of scope.split(' ').filter(Boolean)) realm.searchParams.append('scope', each);
        if (service) realm.searchParams.set('service', service);
        if (credentials.username !== undefined && credentials.password !== undefined) {
          headers.authorization = basicHeader(credentials.username, credentials.password);
        }
        response = await request(realm, { headers, dispatcher: this.dispatcher, signal });
      }
    } catch (error) {
      throw unreachable(`${endpoint.name} (its token service)`, error);
    }
    if (response.statusCode === 401 || response.statusCode === 403) {
      await response.body.dump();
      throw endpoint.credentials ? refusedCredentials(endpoint) : needsCredentials(endpoint);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const body = (await readBounded(response.body, MAX_ERROR_BYTES, endpoint.name, true)).toString();
      throw failureOf(`${endpoint.name} (its token service)`, response.statusCode, body, 'a token');
    }
    const answer = (await readJson(response, MAX_ERROR_BYTES, endpoint.name)) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof answer.token === 'string' ? answer.token : answer.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryUnauthorizedError(`The token service of ${endpoint.name} answered without a token.`);
    }
    const seconds =
      typeof answer.expires_in === 'number' && answer.expires_in > 0
        ? answer.expires_in
        : DEFAULT_TOKEN_SECONDS;
    this.authorizations.putBearer(endpoint, scope, token, seconds);
    return `Bearer ${token}`;
  }
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function pageQuery(page: RemotePage): string {
  const query = new URLSearchParams({ n: String(page.first) });
  if (page.after !== undefined) query.set('last', page.after);
  return query.toString();
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${encodeURIComponent(reference)}`;
}

function manifestSubject(repository: string, reference: string): string {
  return reference.includes(':')
    ? `digest ${reference} in ${repository}`
    : `tag ${reference} of ${repository}`;
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The realm must be an absolute http(s) URL; plain http only when the registry itself is reached
 * over http (a token service must not receive credentials in the clear otherwise).
 */
function tokenRealm(endpoint: RegistryEndpoint, realm: string | undefined): URL {
  let url: URL | undefined;
  try {
    url = realm ? new URL(realm) : undefined;
  } catch {
    url = undefined;
  }
  const plainAllowed = endpoint.baseUrl.startsWith('http:');
  if (!url || !(url.protocol === 'https:' || (plainAllowed && url.protocol === 'http:'))) {
    throw new RegistryUnauthorizedError(
      `The registry ${endpoint.name} names a token service Stevedore will not send credentials to.`,
    );
  }
  return url;
}

function needsCredentials(endpoint: RegistryEndpoint): RegistryUnauthorizedError {
  return new RegistryUnauthorizedError(
    `The registry ${endpoint.name} needs credentials: add them with addRegistry, or to the Docker config.`,
  );
}

function refusedCredentials(endpoint: RegistryEndpoint): RegistryUnauthorizedError {
  return new RegistryUnauthorizedError(
    `The registry ${endpoint.name} refused the credentials it has from Stevedore.`,
  );
}

/**
 * A page of names. Without a next link the registry answered its last page, or every name at
 * once: a registry that ignores `n` and `last` (Distribution 2.8 does, for tags) answers them all,
 * in no set order. Such an answer is paged here, in lexical order as the spec pages them.
 */
function namesPage(
  value: unknown,
  response: Dispatcher.ResponseData,
  registry: string,
  page: RemotePage,
): RemoteNames {
  // Distribution answers `"tags": null` for a repository whose tags were all deleted.
  if (
    value !== null &&
    value !== undefined &&
    !(Array.isArray(value) && value.every((name) => typeof name === 'string'))
  ) {
    throw new RegistryUnreachableError(`The registry ${registry} answered a list Stevedore cannot read.`);
  }
  const names = (value as string[] | null | undefined) ?? [];
  const rateLimit = rateLimitOf(response.headers);
  if (nextLink(header(response, 'link')) !== undefined) return { names, hasNextPage: true, rateLimit };
  const after = page.after;
  const sorted = [...names].sort();
  const rest = after === undefined ? sorted : sorted.filter((name) => name > after);
  return { names: rest.slice(0, page.first), hasNextPage: rest.length > page.first, rateLimit };
}

function mediaTypeOf(response: Dispatcher.ResponseData, bytes: Buffer): string {
  const declared = (header(response, 'content-type') ?? '').split(';')[0]!.trim();
  if (declared && declared !== 'application/json' && declared !== 'text/plain') return declared;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof parsed.mediaType === 'string') return parsed.mediaType;
  } catch {
    // The digest check already passed; an unreadable body keeps the declared type.
  }
  return declared;
}

/**
 * The digest of the bytes, which must equal the reference when it is a digest (content
 * addressing is the point) and the registry's Docker-Content-Digest when it sent one.
 */
function checkedDigest(
  bytes: Buffer,
  reference: string,
  declared: string | undefined,
  registry: string,
): string {
  const wanted = reference.includes(':') ? reference : declared;
  const algorithm = wanted?.split(':')[0] ?? 'sha256';
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) {
    throw new BadUserInputError(`The digest algorithm ${algorithm} is not supported.`);
  }
  const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
  if (wanted && wanted !== actual) {
    throw new RegistryUnreachableError(
      `The registry ${registry} answered content whose digest is ${actual}, not ${wanted}.`,
    );
  }
  return actual;
}

async function readJson(response: Dispatcher.ResponseData, max: number, registry: string): Promise<unknown> {
  return parseJson(await readBounded(response.body, max, registry), registry);
}

function parseJson(bytes: Buffer, registry: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new RegistryUnreachableError(`The registry ${registry} answered JSON Stevedore cannot read.`);
  }
}

/** The body, up to `max` bytes: beyond it, an error (or, with `truncate`, what fitted). */
async function readBounded(
  body: Dispatcher.ResponseData['body'],
  max: number,
  registry: string,
  truncate = false,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > max) {
        body.destroy();
        if (truncate) break;
        throw new RegistryUnreachableError(`The registry ${registry} answered more than ${max} bytes.`);
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw unreachable(registry, error);
  }
  return Buffer.concat(chunks);
}
