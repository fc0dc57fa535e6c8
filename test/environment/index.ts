// The test environment's public API, for e2e tests (readTestEnvironment) and bench scripts.
export { buildFixtures, type BuildFixturesOptions } from './build-fixtures.js';
export { dockerDaemonPid, startDockerDaemon, stopDockerDaemon } from './docker-daemon.js';
export { dockerCliEnv, runDocker } from './docker-cli.js';
export { FIXTURE_NAMESPACE } from './fixture-catalog.js';
export type {
  ConfiguredImageDeclaration,
  FixtureImage,
  FixtureKey,
  FixtureRegistryCopy,
  Fixtures,
} from './fixture-types.js';
export { readTestEnvironment, TEST_ENVIRONMENT_FILE_VAR } from './read-test-environment.js';
export { stopStaleTestEnvironments } from './stale-environments.js';
export { startTestEnvironment } from './start-test-environment.js';
export { stopTestEnvironment } from './stop-test-environment.js';
export type {
  AuthRegistryInfo,
  DockerDaemonInfo,
  ExternalDockerDaemon,
  ManagedDockerDaemon,
  ProcessRecord,
  RedisInfo,
  RegistryCredentials,
  RegistryInfo,
  StartedTestEnvironment,
  StartTestEnvironmentOptions,
  TestEnvironment,
  TestEnvironmentState,
} from './types.js';
