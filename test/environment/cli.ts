/**
 * Command line for the test environment, for manual runs and bench scripts that prefer a shell:
 *
 *   npx tsc -p test/environment/tsconfig.json
 *   node dist/test/environment/cli.js start [--no-fixtures]   # runs until Ctrl-C, then stops
 *   node dist/test/environment/cli.js stop <tmpDir>/environment.json
 *   node dist/test/environment/cli.js cleanup                 # stops environments whose owner is gone
 *
 * `start` prints shell `export` lines for DOCKER_HOST, REDIS_URL and STEVEDORE_TEST_ENVIRONMENT_FILE.
 */
import { buildFixtures } from './build-fixtures.js';
import { readDescription, writeDescription } from './description-file.js';
import { seconds, stderrProgress } from './progress.js';
import { TEST_ENVIRONMENT_FILE_VAR } from './read-test-environment.js';
import { stopStaleTestEnvironments } from './stale-environments.js';
import { startTestEnvironment } from './start-test-environment.js';
import { stopTestEnvironment } from './stop-test-environment.js';

const log = stderrProgress();

async function start(withFixtures: boolean): Promise<void> {
  const started = performance.now();
  const env = await startTestEnvironment({ log });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await env.stop();
    log('stopped');
  };
  try {
    if (withFixtures) writeDescription({ ...env, fixtures: await buildFixtures(env, { log }) });
  } catch (error) {
    await stop();
    throw error;
  }
  log(`ready in ${seconds(started)}; Ctrl-C stops it`);
  const exports = {
    DOCKER_HOST: env.docker.host,
    REDIS_URL: env.redis.url,
    [TEST_ENVIRONMENT_FILE_VAR]: env.descriptionFile,
  };
  for (const [name, value] of Object.entries(exports)) process.stdout.write(`export ${name}='${value}'\n`);
  // Signal listeners do not keep Node alive, and the services' child handles are unref'd.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await stop();
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(!rest.includes('--no-fixtures'));
    case 'stop': {
      const file = rest[0];
      if (file === undefined) throw new Error('usage: cli.js stop <tmpDir>/environment.json');
      return stopTestEnvironment(readDescription(file));
    }
    case 'cleanup': {
      const stopped = await stopStaleTestEnvironments({ log });
      log(`${stopped.length} stale environment(s) stopped`);
      return;
    }
    default:
      throw new Error('usage: cli.js start [--no-fixtures] | stop <environment.json> | cleanup');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
