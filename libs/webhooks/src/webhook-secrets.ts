import { randomBytes } from 'node:crypto';
import type { SealOptions } from '#libs/registry-auth';

/** A new signing secret: 32 random bytes, prefixed so that it is recognisable in a secret store. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Signing secrets are sealed with the service's credential key (STEVEDORE_CREDENTIALS_KEY), as an
 * identity token bound to the subscription's id: a sealed secret moved to another subscription
 * does not open.
 */
export function sealedSecretContext(webhookId: string): SealOptions {
  return { associatedData: `webhook-secret:${webhookId}` };
}
