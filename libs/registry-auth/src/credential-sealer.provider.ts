import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { CredentialSealer, generateSealingKey, parseSealingKey } from './credential-sealer.js';
import { readOrCreateSecretFile } from '#libs/secrets';

export const CREDENTIAL_SEALER = Symbol('CredentialSealer');

/** The generated key's file in the state folder, when STEVEDORE_CREDENTIALS_KEY is unset. */
export const CREDENTIALS_KEY_FILE = 'credentials.key';

/**
 * The sealer of credentials given with jobs. Its key comes from STEVEDORE_CREDENTIALS_KEY, which
 * every api and worker process must share; without it, from a key file in the state folder,
 * created by the first process that needs it (enough when api and workers share a host or a
 * volume). STEVEDORE_CREDENTIALS_PREVIOUS_KEY, during a rotation, still opens what the key
 * before sealed (jobs queued before the switch); it never seals.
 */
export const credentialSealerProvider: Provider = {
  provide: CREDENTIAL_SEALER,
  inject: [STEVEDORE_CONFIG],
  useFactory: (config: StevedoreConfig) => credentialSealerFor(config),
};

export function credentialSealerFor(config: StevedoreConfig): CredentialSealer {
  const { credentialsKey, previousCredentialsKey } = config.registryAuth;
  const key = credentialsKey !== null ? configuredKey(credentialsKey) : keyFromStateDir(config.stateDir);
  const previous =
    previousCredentialsKey === null
      ? undefined
      : parseSealingKey(previousCredentialsKey, 'STEVEDORE_CREDENTIALS_PREVIOUS_KEY');
  return new CredentialSealer(key, {
    previousKeys: previous && !previous.equals(key) ? [previous] : [],
  });
}

function configuredKey(text: string): KeyObject {
  return parseSealingKey(text, 'STEVEDORE_CREDENTIALS_KEY');
}

function keyFromStateDir(stateDir: string): KeyObject {
  const file = join(stateDir, CREDENTIALS_KEY_FILE);
  return parseSealingKey(readOrCreateSecretFile(file, generateSealingKey), file);
}
