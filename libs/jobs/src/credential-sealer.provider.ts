import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { CredentialSealer, generateSealingKey } from '#libs/registry-auth';

export const CREDENTIAL_SEALER = Symbol('CredentialSealer');

const KEY_FILE = 'credentials.key';

/**
 * The sealer of credentials given with jobs. Its key comes from STEVEDORE_CREDENTIALS_KEY, which
 * every api and worker process must share; without it, from a key file in the state folder,
 * created by the first process that needs it (enough when api and workers share a host).
 */
export const credentialSealerProvider: Provider = {
  provide: CREDENTIAL_SEALER,
  inject: [STEVEDORE_CONFIG],
  useFactory: (config: StevedoreConfig) =>
    CredentialSealer.fromText(
      config.registryAuth.credentialsKey ?? keyFromStateDir(config.stateDir),
      config.registryAuth.credentialsKey ? 'STEVEDORE_CREDENTIALS_KEY' : join(config.stateDir, KEY_FILE),
    ),
};

function keyFromStateDir(stateDir: string): string {
  const file = join(stateDir, KEY_FILE);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': exactly one process creates the key; the others read it.
    const descriptor = openSync(file, 'wx', 0o600);
    try {
      writeSync(descriptor, `${generateSealingKey()}\n`);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
