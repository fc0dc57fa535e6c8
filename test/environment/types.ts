import type { Fixtures } from './fixture-types.js';

/** A process this module started, identified by pid and kernel start time so a recycled pid is never signalled. */
export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot). */
  startTime: number;
  command: string;
  args: string[];
}

/** The isolated dockerd that startTestEnvironment started itself. */
export interface ManagedDockerDaemon {
  managed: true;
  /** For DOCKER_HOST and the docker CLI: `unix://<tmp>/docker.sock`. */
  host: string;
  /** For dockerode: `new Docker({ socketPath })`. */
  socketPath: string;
  command: string;
  /** The exact arguments; startDockerDaemon reuses them so a restart gets the same socket and data root. */
  args: string[];
  /** Our own daemon.json, so the host's /etc/docker/daemon.json is never read. */
  configFile: string;
  dataRoot: string;
  execRoot: string;
  /** dockerd writes its pid here; after a restart from a test worker this file, not a record, names the daemon. */
  pidFile: string;
  logFile: string;
  /** SIGTERM grace for a daemon stop before SIGKILL: covers a container's default 10 s stop timeout. */
  stopGraceMs: number;
}

/** A daemon named by DOCKER_HOST: used as it is, never stopped or restarted. */
export interface ExternalDockerDaemon {
  managed: false;
  host: string;
  /** Set when DOCKER_HOST is a unix:// socket. */
  socketPath?: string;
}

export type DockerDaemonInfo = ManagedDockerDaemon | ExternalDockerDaemon;

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryInfo {
  managed: boolean;
  /** What goes in front of an image name: `127.0.0.1:41234`. */
  host: string;
  /** Base URL of the HTTP API: `http://127.0.0.1:41234` (the /v2/ endpoints hang below it). */
  url: string;
  /** Only for a registry this module started. */
  process?: ProcessRecord;
  storageDir?: string;
  logFile?: string;
}

export interface AuthRegistryInfo extends RegistryInfo {
  credentials: RegistryCredentials;
}

/** A registry in token-auth mode, and the issuer whose tokens it trusts (Basic credentials for a token). */
export interface TokenRegistryInfo extends AuthRegistryInfo {
  issuer: { url: string; process: ProcessRecord };
}

/** The stand-in of Docker Hub's v1 search API that the daemon searches as `<host>/term`. */
export interface SearchIndexInfo {
  /** `127.0.0.1:PORT`: what goes in front of a search term. */
  host: string;
  url: string;
  process: ProcessRecord;
}

export interface RedisInfo {
  managed: boolean;
  /** `redis://127.0.0.1:PORT` or the given REDIS_URL. */
  url: string;
  host: string;
  port: number;
  process?: ProcessRecord;
  logFile?: string;
}

/**
 * Everything a test needs to reach the environment. Plain JSON: global setup writes it to a file
 * that test workers read with readTestEnvironment(), and it is all that stopTestEnvironment needs.
 */
export interface TestEnvironment {
  version: 1;
  /** mkdtemp folder that holds every file and socket the environment made; removed by stop. */
  tmpDir: string;
  /** `<tmpDir>/environment.json`: this description (global setup adds the fixtures). */
  descriptionFile: string;
  /** The process that started the environment; once it is gone the environment counts as stale. */
  ownerPid: number;
  startedAt: string;
  docker: DockerDaemonInfo;
  registries: { open: RegistryInfo; auth: AuthRegistryInfo; token: TokenRegistryInfo };
  searchIndex: SearchIndexInfo;
  redis: RedisInfo;
  /**
   * DOCKER_CONFIG for docker CLI calls: logged in to the auth registry, so the user's ~/.docker
   * is never read or written. The daemon itself keeps no registry credentials.
   */
  dockerConfigDir: string;
}

/** What global setup publishes to test files: the environment plus the fixtures built in it. */
export interface TestEnvironmentState extends TestEnvironment {
  fixtures: Fixtures;
}

/** The handle startTestEnvironment returns; `stop` is dropped by JSON.stringify. */
export interface StartedTestEnvironment extends TestEnvironment {
  stop(): Promise<void>;
}

export interface StartTestEnvironmentOptions {
  /** Where DOCKER_HOST, TEST_REGISTRY, … are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Parent of the mkdtemp folder; default os.tmpdir(). Keep it short: unix socket paths max out at 107 bytes. */
  tmpRoot?: string;
  /** Progress lines (one per service, with timings); default none. */
  log?: (line: string) => void;
}
