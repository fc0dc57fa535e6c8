import { readFileSync, renameSync, writeFileSync } from 'node:fs';

import type { TestEnvironment } from './types.js';

export const DESCRIPTION_FILE_NAME = 'environment.json';
/** Written first thing, so that an environment whose start was cut short can still be found and stopped. */
export const OWNER_FILE_NAME = 'owner.pid';

/** Written whole then renamed, so a reader in another process never sees half a file. */
export function writeDescription<T extends TestEnvironment>(env: T): void {
  const temporary = `${env.descriptionFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, env.descriptionFile);
}

export function readDescription<T extends TestEnvironment = TestEnvironment>(file: string): T {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as T;
  if (parsed.version !== 1)
    throw new Error(`${file}: unknown test environment description version ${parsed.version}`);
  return parsed;
}
