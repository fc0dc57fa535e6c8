import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigurationError } from '#libs/config';
import { validateCredentials } from '#libs/registry-auth';
import type { KnownRegistry } from './known-registry.js';
import { registryName } from './registry-name.js';

/**
 * The registries file (`REGISTRIES_FILE`), JSON or YAML (JSON is YAML):
 *
 *   registries:
 *     - name: registry.example.com
 *       username: ci
 *       password: s3cret
 *     - name: registry.lan:5000
 *       insecure: true
 *
 * A file that cannot be read or is malformed stops the start with a message naming the file and
 * the entry, never a credential.
 */
export function readRegistriesFile(file: string): KnownRegistry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError([
      `Cannot read the registries file ${file} (${(error as { code?: string }).code ?? 'error'}).`,
    ]);
  }
  return parseRegistriesFile(file, text);
}

export function parseRegistriesFile(file: string, text: string): KnownRegistry[] {
  let root: unknown;
  try {
    root = parseYaml(text, { prettyErrors: false });
  } catch {
    // The parser's message quotes the text, which may hold a password.
    throw new ConfigurationError([`The registries file ${file} is neither JSON nor YAML.`]);
  }
  const list = (root as { registries?: unknown } | null)?.registries;
  if (!Array.isArray(list))
    throw new ConfigurationError([`The registries file ${file} needs a "registries" list.`]);
  const seen = new Set<string>();
  return list.map((entry: unknown, index) => {
    const where = `entry ${index + 1} of the registries file ${file}`;
    if (!entry || typeof entry !== 'object') throw new ConfigurationError([`The ${where} is not an object.`]);
    const { name, username, password, identityToken, insecure } = entry as Record<string, unknown>;
    let normalized: string;
    try {
      normalized = registryName(String(name ?? ''));
    } catch (error) {
      throw new ConfigurationError([`The ${where}: ${(error as Error).message}`]);
    }
    if (seen.has(normalized))
      throw new ConfigurationError([`The ${where} names ${normalized} a second time.`]);
    seen.add(normalized);
    if (insecure !== undefined && typeof insecure !== 'boolean') {
      throw new ConfigurationError([`The ${where}: insecure must be true or false.`]);
    }
    const hasCredentials = [username, password, identityToken].some(
      (value) => value !== undefined && value !== null,
    );
    let credentials;
    try {
      credentials = hasCredentials
        ? validateCredentials({ username, password, identityToken } as Record<string, string>, {
            path: 'the entry',
          })
        : undefined;
    } catch (error) {
      throw new ConfigurationError([`The ${where}: ${(error as Error).message}`]);
    }
    return { name: normalized, source: 'CONFIG_FILE', credentials, insecure: insecure === true };
  });
}
