import { createRedisClient } from '#libs/redis';
import { loadConfigOrExit } from '#libs/config';
import { agentRedisUrl, FleetKeys, grantAgentAccess, revokeAgentAccess } from '#libs/fleet';

/**
 * Gives a host's agent its own Redis user, confined to that host's keys, and prints the REDIS_URL
 * to start the agent with (the only place the password appears). `--revoke` removes the user.
 *
 *   REDIS_URL=redis://admin:…@redis:6379 npm run agent:grant -- edge-7 [--revoke]
 */
async function main(): Promise<number> {
  const [host, flag] = process.argv.slice(2);
  if (!host || (flag !== undefined && flag !== '--revoke')) {
    process.stderr.write(
      'usage: grant-access <host-name> [--revoke]   (REDIS_URL: a user allowed to manage users)\n',
    );
    return 2;
  }
  const config = loadConfigOrExit();
  const admin = createRedisClient(config.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    if (flag === '--revoke') {
      await revokeAgentAccess(admin, host);
      process.stderr.write(`removed the Redis user of ${host}'s agent\n`);
      return 0;
    }
    const granted = await grantAgentAccess(admin, new FleetKeys(config.fleet.keyPrefix), host);
    if (!granted.saved) {
      process.stderr.write(
        'Redis has no aclfile: this user lasts until Redis restarts (set aclfile in redis.conf to keep it)\n',
      );
    }
    process.stdout.write(
      `REDIS_URL=${agentRedisUrl(config.redis.url, granted)}\nSTEVEDORE_HOST_NAME=${host}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    admin.disconnect();
  }
}

process.exitCode = await main();
