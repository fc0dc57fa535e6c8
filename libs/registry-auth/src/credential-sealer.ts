import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { inspect } from 'node:util';
import { makeCredentials, type RegistryCredentials } from './registry-credentials.js';

/** The format tag of sealed credentials: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export const SEALED_CREDENTIALS_VERSION = 'v1';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Plaintext is padded to a multiple of this, so a sealed blob hides the exact password length. */
const PAD_TO = 64;
/** Longer sealed text is refused before any decoding. */
const SEALED_MAX_LENGTH = 65536;
/** Bound into every seal, so a v1 blob cannot be mistaken for any other use of the same key. */
const AAD_PREFIX = 'stevedore.registry-auth.v1\0';
/** Names the key that fingerprints credentials, derived from the sealing key and used for nothing else. */
const FINGERPRINT_INFO = 'stevedore.registry-auth.fingerprint.v1';

/** A sealing key that cannot be used: its message says what is wrong, never what it was. */
export class SealingKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealingKeyError';
  }
}

export type UnsealFailure =
  /** Not `v1.<iv>.<tag>.<ciphertext>` in canonical base64url. */
  | 'malformed'
  /** Another format version. */
  | 'unsupported-version'
  /** Authentication failed: another key, other associated data, or altered. */
  | 'rejected'
  /** Authentic, but not credentials of a shape this version writes. */
  | 'invalid-payload';

/** Sealed credentials that cannot be opened. The message never contains key or secret material. */
export class CredentialUnsealError extends Error {
  constructor(
    readonly reason: UnsealFailure,
    message: string,
  ) {
    super(message);
    this.name = 'CredentialUnsealError';
  }
}

/**
 * Reads a 32-byte AES-256 key given as 64 hex digits or as base64 / base64url (44 characters with
 * padding, 43 without). Surrounding whitespace is ignored.
 *
 * @param name how the message names the value, e.g. the environment variable.
 */
export function parseSealingKey(text: string, name = 'The credential sealing key'): KeyObject {
  const value = text.trim();
  if (value === '') throw new SealingKeyError(`${name} is empty; ${KEY_FORMAT}`);
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(value) && value.length === KEY_BYTES * 2) {
    bytes = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && !(/[+/]/.test(value) && /[_-]/.test(value))) {
    const unpadded = value.replace(/=+$/, '');
    if (unpadded.length % 4 !== 1)
      bytes = Buffer.from(unpadded.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  }
  if (bytes === undefined) {
    throw new SealingKeyError(`${name} is neither hex nor base64; ${KEY_FORMAT}`);
  }
  if (bytes.length !== KEY_BYTES) {
    throw new SealingKeyError(`${name} decodes to ${bytes.length} bytes, not ${KEY_BYTES}; ${KEY_FORMAT}`);
  }
  return createSecretKey(bytes);
}

const KEY_FORMAT = `it must be ${KEY_BYTES} random bytes as base64 (44 characters) or hex (64 digits), e.g. from \`openssl rand -base64 32\`.`;

/** A new random key, as base64 text for configuration. */
export function generateSealingKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export interface SealOptions {
  /**
   * Context the sealed text is bound to, e.g. `pull:docker.io/library/nginx:1.27` or a job id:
   * unsealing needs the same value, so a blob copied into another job fails.
   */
  readonly associatedData?: string;
}

/**
 * Encrypts credentials for a job payload with AES-256-GCM (random 96-bit IV per seal), as
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). Only a process with the key (the api and workers,
 * from configuration) can unseal them; Redis holds nothing usable. Keys for rotation: seal with
 * the first, unseal with any. Prints as `[redacted]`.
 */
export class CredentialSealer {
  readonly #keys: readonly KeyObject[];
  readonly #fingerprintKey: Buffer;

  constructor(key: KeyObject, options: { readonly previousKeys?: readonly KeyObject[] } = {}) {
    for (const k of [key, ...(options.previousKeys ?? [])]) {
      if (k.type !== 'secret' || k.symmetricKeySize !== KEY_BYTES) {
        throw new SealingKeyError(`A credential sealing key must be a ${KEY_BYTES}-byte secret key.`);
      }
    }
    this.#keys = [key, ...(options.previousKeys ?? [])];
    this.#fingerprintKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), FINGERPRINT_INFO, KEY_BYTES));
  }

  /**
   * Stands for credentials where equal ones must be told apart from others (a deduplication
   * key), without revealing them: an HMAC under a key derived from the sealing key, so that
   * whoever reads Redis cannot test password guesses against it.
   */
  fingerprint(credentials: RegistryCredentials): string {
    const fields = [
      credentials.username ?? null,
      credentials.password ?? null,
      credentials.identityToken ?? null,
    ];
    return createHmac('sha256', this.#fingerprintKey).update(JSON.stringify(fields)).digest('hex');
  }

  /** A sealer from configuration text (see parseSealingKey). */
  static fromText(text: string, name?: string): CredentialSealer {
    return new CredentialSealer(parseSealingKey(text, name));
  }

  seal(credentials: RegistryCredentials, options: SealOptions = {}): string {
    const json = JSON.stringify({
      u: credentials.username,
      p: credentials.password,
      t: credentials.identityToken,
    });
    const padded = json + ' '.repeat((PAD_TO - (Buffer.byteLength(json) % PAD_TO)) % PAD_TO);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0], iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(options));
    const ciphertext = Buffer.concat([cipher.update(padded, 'utf8'), cipher.final()]);
    return [SEALED_CREDENTIALS_VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** Opens sealed text; a CredentialUnsealError says why it cannot. */
  unseal(sealed: string, options: SealOptions = {}): RegistryCredentials {
    const { iv, tag, ciphertext } = parseSealed(sealed);
    const plaintext = this.#decrypt(iv, tag, ciphertext, aad(options));
    return credentialsOf(plaintext);
  }

  #decrypt(iv: Buffer, tag: Buffer, ciphertext: Buffer, additional: Buffer): Buffer {
    for (const key of this.#keys) {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additional);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch {
        // Wrong key, wrong associated data, or altered: try the next key.
      }
    }
    throw new CredentialUnsealError(
      'rejected',
      'The sealed registry credentials do not open: they were sealed with another key or for another job, or were altered.',
    );
  }

  toJSON(): string {
    return 'CredentialSealer [redacted]';
  }

  [inspect.custom](): string {
    return 'CredentialSealer [redacted]';
  }
}

function aad(options: SealOptions): Buffer {
  return Buffer.from(AAD_PREFIX + (options.associatedData ?? ''), 'utf8');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function parseSealed(sealed: unknown): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  if (typeof sealed !== 'string' || sealed.length > SEALED_MAX_LENGTH) throw malformed();
  const parts = sealed.split('.');
  if (parts[0] !== SEALED_CREDENTIALS_VERSION) {
    if (parts.length === 4 && /^v\d{1,4}$/.test(parts[0])) {
      throw new CredentialUnsealError(
        'unsupported-version',
        `The sealed registry credentials have format ${parts[0]}; this version reads ${SEALED_CREDENTIALS_VERSION}.`,
      );
    }
    throw malformed();
  }
  if (parts.length !== 4) throw malformed();
  const [iv, tag, ciphertext] = parts.slice(1).map(decodeCanonical);
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) throw malformed();
  return { iv, tag, ciphertext };
}

/** Decodes base64url, refusing text that is not the one encoding of its bytes (stray bits, '='). */
function decodeCanonical(part: string): Buffer {
  if (!BASE64URL.test(part)) throw malformed();
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw malformed();
  return bytes;
}

function malformed(): CredentialUnsealError {
  return new CredentialUnsealError(
    'malformed',
    `The sealed registry credentials are malformed (expected ${SEALED_CREDENTIALS_VERSION}.<iv>.<tag>.<ciphertext>).`,
  );
}

function credentialsOf(plaintext: Buffer): RegistryCredentials {
  let payload: unknown;
  try {
    payload = JSON.parse(plaintext.toString('utf8'));
  } catch {
    payload = undefined;
  }
  const invalid = () =>
    new CredentialUnsealError(
      'invalid-payload',
      'The sealed registry credentials hold no valid credentials.',
    );
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid();
  const { u, p, t } = payload as Record<string, unknown>;
  const str = (v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw invalid();
    return v;
  };
  const username = str(u);
  const password = str(p);
  const identityToken = str(t);
  const valid =
    identityToken !== undefined ? password === undefined : username !== undefined && password !== undefined;
  if (!valid) throw invalid();
  return makeCredentials({ username, password, identityToken });
}
