import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// dockerd and runc live in /usr/sbin, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of the first of `names` found on PATH (plus the sbin folders); throws naming the package. */
export function findExecutable(names: readonly string[], hint: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  throw new Error(`${names.join(' or ')} not found on PATH: ${hint}`);
}
