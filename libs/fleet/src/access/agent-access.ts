import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FleetKeys } from '../host-keys.js';
import { parseHostName } from '../host-name.js';

/** An agent's own Redis user: what its REDIS_URL carries. */
export interface AgentCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The ACL rules of a host's agent: every command it needs (hashes, scripts, lists, pub/sub, and
 * what BullMQ runs), on the host's keys and channels only. Commands that reach across keys
 * (SCAN, KEYS, RANDOMKEY) or the server (@admin, @dangerous: CONFIG, FLUSHALL, DEBUG, …) are
 * refused, and so are listing channels and flushing or killing scripts and functions; INFO
 * stays, since BullMQ reads the server's version with it. Its scripts run on the shared Redis:
 * a host can still load it, but not reach another host's data.
 */
export function agentAclRules(keys: FleetKeys, host: string, password: string): string[] {
  const pattern = keys.hostKeyPattern(parseHostName(host));
  return [
    'reset',
    'on',
    `>${password}`,
    `~${pattern}`,
    `&${pattern}`,
    '+@all',
    '-@admin',
    '-@dangerous',
    '-scan',
    '-keys',
    '-randomkey',
    '-pubsub',
    '-function',
    '-script|flush',
    '-script|kill',
    '+info',
    '+client|setname',
    '+client|getname',
  ];
}

/** The agent user's name for a host. */
export function agentUsername(host: string): string {
  return `stevedore-agent-${parseHostName(host)}`;
}

/**
 * Creates (or replaces, with a new password) the Redis user of a host's agent, through a
 * connection allowed to manage users. Saved to the server's ACL file when it has one: otherwise
 * the user lasts until Redis restarts, which `saved` says.
 */
export async function grantAgentAccess(
  admin: Redis,
  keys: FleetKeys,
  host: string,
): Promise<AgentCredentials & { readonly saved: boolean }> {
  const username = agentUsername(host);
  const password = randomBytes(24).toString('base64url');
  await admin.call('ACL', 'SETUSER', username, ...agentAclRules(keys, host, password));
  const [, aclFile] = (await admin.call('CONFIG', 'GET', 'aclfile')) as [string, string];
  if (aclFile) await admin.call('ACL', 'SAVE');
  return { username, password, saved: Boolean(aclFile) };
}

/** Removes a host's agent user: the agent is cut off at its next command. */
export async function revokeAgentAccess(admin: Redis, host: string): Promise<void> {
  await admin.call('ACL', 'DELUSER', agentUsername(host));
}

/** The agent's REDIS_URL: the fleet's Redis with the agent's user in place of the admin's. */
export function agentRedisUrl(adminUrl: string, credentials: AgentCredentials): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(credentials.username);
  url.password = encodeURIComponent(credentials.password);
  return url.toString();
}
