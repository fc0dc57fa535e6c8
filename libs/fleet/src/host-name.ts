import { ConfigurationError, type StevedoreConfig } from '#libs/config';
import { BadUserInputError } from '#libs/errors';

/** A host's name: what an agent registers as, and what `host:` arguments name. */
const HOST_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;

/**
 * Checks a host name: 1–63 characters of lowercase letters, digits, `.`, `_` and `-`, starting and
 * ending with a letter or digit. The name goes into Redis keys, queue names and ACL key patterns,
 * so nothing that could widen a pattern (`*`, `?`, `[`, `{`, `:`) can be part of it.
 */
export function parseHostName(input: string): string {
  if (!HOST_NAME.test(input)) {
    throw new BadUserInputError(
      `A host name is 1-63 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit; got ${JSON.stringify(input.slice(0, 80))}.`,
    );
  }
  return input;
}

/** This process's host name (STEVEDORE_HOST_NAME, or the machine's); a bad one is a configuration error. */
export function configuredHostName(config: Pick<StevedoreConfig, 'fleet'>): string {
  try {
    return parseHostName(config.fleet.hostName);
  } catch (error) {
    throw new ConfigurationError([`STEVEDORE_HOST_NAME: ${(error as Error).message}`]);
  }
}
