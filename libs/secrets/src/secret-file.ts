// Node built-ins only: the concurrency test runs this file, transpiled, in separate processes.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A secret file that cannot be used. The message names the file, never its content. */
export class SecretFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretFileError';
  }
}

/**
 * The secret kept in `path` (trimmed), generated and stored there by the first process that
 * needs it: the credential sealing key, the private Redis password.
 *
 * Safe when several processes (api, workers) start at once: the value is written in full to a
 * temporary file of mode 0600 in the same folder, flushed, then hard-linked to `path`, which
 * fails with EEXIST when another process got there first (then its value is read, and ours
 * dropped). So `path` never exists partly written, and exactly one value wins. The folder is
 * created with mode 0700 when missing.
 */
export function readOrCreateSecretFile(path: string, generate: () => string): string {
  const existing = readSecret(path);
  if (existing !== undefined) return existing;

  const value = generate().trim();
  if (value === '' || /[\r\n]/.test(value)) {
    throw new SecretFileError(`The value generated for ${path} is empty or spans lines.`);
  }
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const descriptor = openSync(temporary, 'wx', 0o600);
    try {
      fchmodSync(descriptor, 0o600); // exact, whatever the umask
      writeSync(descriptor, `${value}\n`);
      fsyncSync(descriptor); // complete on disk before it has the final name
    } finally {
      closeSync(descriptor);
    }
    try {
      linkSync(temporary, path); // never replaces: EEXIST when another process won
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  syncFolder(folder);

  const stored = readSecret(path);
  if (stored === undefined) throw new SecretFileError(`${path} disappeared while it was being created.`);
  return stored;
}

/** The trimmed content, or undefined when there is no such file. */
function readSecret(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = text.trim();
  if (value === '') {
    throw new SecretFileError(
      `${path} is empty (left by an interrupted older version?); delete it to have a new one generated.`,
    );
  }
  return value;
}

/** Makes the new name durable too; best effort (not every file system lets a folder be fsynced). */
function syncFolder(folder: string): void {
  try {
    const descriptor = openSync(folder, 'r');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  } catch {
    // The link itself is in place; only its durability across a power cut is not guaranteed.
  }
}
