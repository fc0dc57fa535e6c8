import { readDescription } from './description-file.js';
import type { TestEnvironmentState } from './types.js';

/** Global setup puts the path of the environment description here; jest workers inherit it. */
export const TEST_ENVIRONMENT_FILE_VAR = 'STEVEDORE_TEST_ENVIRONMENT_FILE';

let cached: { file: string; state: TestEnvironmentState } | undefined;

/**
 * The environment and fixtures that jest global setup started, for use in e2e test files:
 *
 *   const env = readTestEnvironment();
 *   const docker = new Docker({ socketPath: env.docker.socketPath });
 *   await docker.getImage(env.fixtures.images.appA.ref).inspect();
 */
export function readTestEnvironment(): TestEnvironmentState {
  const file = process.env[TEST_ENVIRONMENT_FILE_VAR];
  if (file === undefined || file === '') {
    throw new Error(
      `${TEST_ENVIRONMENT_FILE_VAR} is not set: e2e tests need the jest global setup ` +
        '(npm run test:e2e, or npx jest --selectProjects e2e)',
    );
  }
  if (cached?.file !== file) cached = { file, state: readDescription<TestEnvironmentState>(file) };
  return cached.state;
}
