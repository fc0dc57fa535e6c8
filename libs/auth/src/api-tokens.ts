import { isRole, ROLES, type Role } from './roles.js';

export interface ApiToken {
  readonly role: Role;
  readonly token: string;
}

const MIN_TOKEN_LENGTH = 16;

/**
 * Parses STEVEDORE_API_TOKENS (`role:token,role:token`): the tokens, and a problem per bad
 * entry. Problems never quote the token itself.
 */
export function parseApiTokens(value: string): { tokens: ApiToken[]; problems: string[] } {
  const problems: string[] = [];
  const tokens: ApiToken[] = [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const role = separator === -1 ? '' : entry.slice(0, separator);
    const token = separator === -1 ? '' : entry.slice(separator + 1);
    const where = `STEVEDORE_API_TOKENS entry ${index + 1}`;
    if (!isRole(role)) {
      problems.push(`${where}: must be role:token with role one of ${ROLES.join(', ')}`);
    } else if (token.length < MIN_TOKEN_LENGTH) {
      problems.push(`${where}: the token must be at least ${MIN_TOKEN_LENGTH} characters`);
    } else if (tokens.some((existing) => existing.token === token)) {
      problems.push(`${where}: the same token is listed twice`);
    } else {
      tokens.push({ role, token });
    }
  });
  return { tokens, problems };
}
