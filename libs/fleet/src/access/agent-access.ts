import { randomBytes } from 'node:crypto';
import { Redis as IORedis, type Redis } from 'ioredis';
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
 * connection allowed to manage users, on the server and on each of its replicas: ACL changes are
 * not replicated, and an agent must keep its access after a failover. Saved to each server's ACL
 * file when it has one: otherwise the user lasts until that server restarts (`saved` is false).
 * A replica added later has no agent users: grant them again then.
 */
export async function grantAgentAccess(
  admin: Redis,
  keys: FleetKeys,
  host: string,
): Promise<AgentCredentials & { readonly saved: boolean }> {
  const username = agentUsername(host);
  const password = randomBytes(24).toString('base64url');
  const rules = agentAclRules(keys, host, password);
  const saved = await onEveryNode(admin, async (node) => {
    await node.call('ACL', 'SETUSER', username, ...rules);
    return saveAcl(node);
  });
  return { username, password, saved: saved.every(Boolean) };
}

/** Removes a host's agent user, everywhere it was granted: the agent is cut off at its next command. */
export async function revokeAgentAccess(admin: Redis, host: string): Promise<void> {
  await onEveryNode(admin, async (node) => {
    await node.call('ACL', 'DELUSER', agentUsername(host));
    return saveAcl(node);
  });
}

async function saveAcl(node: Redis): Promise<boolean> {
  const [, aclFile] = (await node.call('CONFIG', 'GET', 'aclfile')) as [string, string];
  if (aclFile) await node.call('ACL', 'SAVE');
  return Boolean(aclFile);
}

/** Runs `change` on the server `admin` reaches, then on each replica it lists, as the same user. */
async function onEveryNode<T>(admin: Redis, change: (node: Redis) => Promise<T>): Promise<T[]> {
  const results = [await change(admin)];
  const info = (await admin.call('INFO', 'replication')) as string;
  const replicas = [...info.matchAll(/^slave\d+:ip=([^,]+),port=(\d+)/gm)].map(([, host, port]) => ({
    host: host!,
    port: Number(port),
  }));
  const { username, password, tls } = admin.options;
  for (const replica of replicas) {
    const node = new IORedis({
      ...replica,
      username,
      password,
      tls,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    node.on('error', () => undefined);
    try {
      results.push(await change(node));
    } finally {
      node.disconnect();
    }
  }
  return results;
}

/** The agent's REDIS_URL: the fleet's Redis with the agent's user in place of the admin's. */
export function agentRedisUrl(adminUrl: string, credentials: AgentCredentials): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(credentials.username);
  url.password = encodeURIComponent(credentials.password);
  return url.toString();
}
