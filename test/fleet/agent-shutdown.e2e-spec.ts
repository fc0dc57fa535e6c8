import { spawn } from 'node:child_process';
import { findFreePort } from '../environment/free-port.js';
import { readTestEnvironment } from '../environment/index.js';
import { redisPing } from '../environment/redis.js';
import { eventually } from '../support/eventually.js';
import { AGENT_SCRIPT, ensureBuilt, spawnService } from '../support/processes.js';

/**
 * An agent told to stop while its Redis is gone: its connections retry for ever, so the stop is
 * bounded (the jobs' grace period and a margin) and the process ends anyway.
 */
const env = readTestEnvironment();

describe('an agent whose Redis is gone', () => {
  it('still stops on SIGTERM, once its grace period and a margin are over', async () => {
    ensureBuilt();
    const port = await findFreePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    try {
      await eventually(async () => expect(await redisPing('127.0.0.1', port)).toBe(true), 10_000);
      const agent = spawnService(AGENT_SCRIPT, {
        DOCKER_HOST: env.docker.host,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        STEVEDORE_HOST_NAME: 'stopping-agent',
        FLEET_KEY_PREFIX: `stevedore-test-stop-${port}`,
        SHUTDOWN_GRACE_SECONDS: '1',
        LOG_FORMAT: 'json',
      });
      await agent.waitFor(/host registered/);
      redis.kill('SIGKILL');
      await eventually(
        async () => expect(await redisPing('127.0.0.1', port).catch(() => false)).toBe(false),
        5_000,
      );
      agent.child.kill('SIGTERM');
      const ended = await Promise.race([
        agent.exited(),
        new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000)),
      ]);
      expect(ended).not.toBe('still running');
      await agent.stop(1_000);
    } finally {
      redis.kill('SIGKILL');
    }
  });
});
