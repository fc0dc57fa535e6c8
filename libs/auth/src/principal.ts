import type { Role } from './roles.js';

/** Who is calling: the token's role and a short fingerprint that identifies it in logs and audit. */
export interface Principal {
  readonly role: Role;
  /** First 12 hex digits of the token's SHA-256: enough to tell tokens apart, useless to an attacker. */
  readonly fingerprint: string;
}
