import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from './api-tokens.js';
import { UnauthenticatedError } from '#libs/errors';
import type { Principal } from './principal.js';

interface KnownToken {
  readonly principal: Principal;
  readonly digest: Buffer;
}

/**
 * Turns an Authorization header into a Principal. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, against every known token without stopping early, so the time taken says
 * nothing about which token, or how much of one, matched.
 */
export class TokenAuthenticator {
  private readonly known: readonly KnownToken[];

  constructor(tokens: readonly ApiToken[]) {
    this.known = tokens.map(({ role, token }) => {
      const digest = sha256(token);
      return { digest, principal: { role, fingerprint: digest.toString('hex').slice(0, 12) } };
    });
  }

  authenticate(authorization: string | undefined): Principal {
    const token = bearerToken(authorization);
    if (token === undefined) throw new UnauthenticatedError();
    const presented = sha256(token);
    let match: Principal | undefined;
    for (const candidate of this.known) {
      if (timingSafeEqual(candidate.digest, presented)) match = candidate.principal;
    }
    if (!match) throw new UnauthenticatedError('The bearer token is not known to this service.');
    return match;
  }
}

/** Accepts `Bearer <token>` (scheme case-insensitive, as RFC 7235 says) and nothing else. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A token for the case where none are configured: 32 random bytes, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
