import { createHash } from 'node:crypto';
import type { RegistryEndpoint } from './registry-endpoint.js';

/** A token is dropped this long before the registry said it expires, so none expires in flight. */
const EXPIRY_MARGIN_MS = 5_000;
/** What the token spec says to assume when the issuer gives no `expires_in`. */
export const DEFAULT_TOKEN_SECONDS = 60;
/** Beyond this many tokens, the oldest go first (one per registry, scope and set of credentials). */
const MAX_TOKENS = 1_000;

/**
 * `Authorization` values per registry, scope and credentials, kept until they expire: a bearer
 * token per scope (the token flow), or a registry's Basic header (any scope). The key holds a
 * fingerprint of the credentials, never the credentials.
 */
export class AuthorizationCache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(endpoint: RegistryEndpoint, scope: string): string | undefined {
    for (const key of [this.key(endpoint, scope), this.key(endpoint, BASIC_SCOPE)]) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      if (entry.expiresAt > this.now()) return entry.value;
      this.entries.delete(key);
    }
    return undefined;
  }

  putBearer(endpoint: RegistryEndpoint, scope: string, token: string, expiresInSeconds: number): void {
    this.put(this.key(endpoint, scope), `Bearer ${token}`, expiresInSeconds * 1000 - EXPIRY_MARGIN_MS);
  }

  /** Basic credentials hold for every scope until the registry refuses them. */
  putBasic(endpoint: RegistryEndpoint, header: string): void {
    this.put(this.key(endpoint, BASIC_SCOPE), header, Number.POSITIVE_INFINITY);
  }

  /** After the registry refused what was cached: ask again next time. */
  forget(endpoint: RegistryEndpoint, scope: string): void {
    this.entries.delete(this.key(endpoint, scope));
    this.entries.delete(this.key(endpoint, BASIC_SCOPE));
  }

  private put(key: string, value: string, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > MAX_TOKENS) this.entries.delete(this.entries.keys().next().value!);
  }

  private key(endpoint: RegistryEndpoint, scope: string): string {
    const { username = '', password = '', identityToken = '' } = endpoint.credentials ?? {};
    const who = createHash('sha256')
      .update(`${username}\0${password}\0${identityToken}`)
      .digest('hex')
      .slice(0, 24);
    return `${endpoint.baseUrl}\0${who}\0${scope}`;
  }
}

const BASIC_SCOPE = '\0basic';
