import { readFileSync } from 'node:fs';

/** The last lines of a service log, for error messages when the service did not come up. */
export function logTail(file: string | undefined, lines = 15): string {
  if (file === undefined) return '';
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return `\n--- last lines of ${file} ---\n${text.split('\n').slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}
