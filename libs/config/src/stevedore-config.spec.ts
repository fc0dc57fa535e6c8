import { availableParallelism } from 'node:os';
import { ConfigurationError } from './configuration-error.js';
import { loadConfig } from './stevedore-config.js';

const TOKEN = 'x'.repeat(20);

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.docker).toEqual({
      kind: 'socket',
      socketPath: '/var/run/docker.sock',
      description: 'unix:///var/run/docker.sock',
    });
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      explicit: false,
      sentinels: null,
      sentinelMaster: 'mymaster',
      sentinelPassword: null,
    });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      processes: 1,
      bodyLimitBytes: 1024 ** 2,
      corsOrigins: [],
    });
    expect(config.apiTokens).toEqual([]);
    expect(config.worker).toEqual({ embedded: true, concurrency: 2 });
    expect(config.logLevel).toBe('log');
    expect(config.logFormat).toBe('auto');
  });

  it('runs one api process per core in production, one elsewhere, or API_PROCESSES', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).http.processes).toBe(availableParallelism());
    expect(loadConfig({ NODE_ENV: 'development' }).http.processes).toBe(1);
    expect(loadConfig({ NODE_ENV: 'production', API_PROCESSES: '3' }).http.processes).toBe(3);
    expect(() => loadConfig({ API_PROCESSES: '0' })).toThrow(/API_PROCESSES: must be at least 1/);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be json, pretty or auto/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DOCKER_HOST: 'tcp://10.0.0.5:2375',
      REDIS_URL: 'redis://redis:6380/1',
      HOST: '0.0.0.0',
      PORT: '8080',
      STEVEDORE_API_TOKENS: `read:${TOKEN}r, admin:${TOKEN}a`,
      WORKER_EMBEDDED: 'false',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'debug',
    });
    expect(config.docker).toMatchObject({ kind: 'tcp', host: '10.0.0.5', port: 2375, tls: undefined });
    expect(config.redis).toMatchObject({ url: 'redis://redis:6380/1', explicit: true, sentinels: null });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.apiTokens).toEqual([
      { role: 'read', token: `${TOKEN}r` },
      { role: 'admin', token: `${TOKEN}a` },
    ]);
    expect(config.worker).toEqual({ embedded: false, concurrency: 4 });
    expect(config.logLevel).toBe('debug');
  });

  it('turns TLS on for a tcp DOCKER_HOST as the Docker CLI does', () => {
    const config = loadConfig({
      DOCKER_HOST: 'tcp://docker.example:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/certs',
    });
    expect(config.docker).toMatchObject({ kind: 'tcp', tls: { certPath: '/certs', verify: true } });
    expect(problemsOf({ DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1' })).toEqual([
      'DOCKER_CERT_PATH: must be set when DOCKER_TLS_VERIFY is set',
    ]);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      DOCKER_HOST: 'http://nope',
      REDIS_URL: 'http://not-redis',
      PORT: '70000',
      WORKER_EMBEDDED: 'maybe',
      WORKER_CONCURRENCY: '0',
      LOG_LEVEL: 'loud',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'DOCKER_HOST',
      'REDIS_URL',
      'PORT',
      'WORKER_EMBEDDED',
      'WORKER_CONCURRENCY',
      'LOG_LEVEL',
    ]);
  });

  it('rejects malformed tokens without quoting them', () => {
    const problems = problemsOf({
      STEVEDORE_API_TOKENS: `root:${TOKEN},read:short,write:${TOKEN},read:${TOKEN}`,
    });
    expect(problems).toEqual([
      'STEVEDORE_API_TOKENS entry 1: must be role:token with role one of read, write, admin',
      'STEVEDORE_API_TOKENS entry 2: the token must be at least 16 characters',
      'STEVEDORE_API_TOKENS entry 4: the same token is listed twice',
    ]);
    expect(problems.join(' ')).not.toContain(TOKEN);
  });

  it.each([
    ['info', 'log'],
    ['INFO', 'log'],
    ['trace', 'verbose'],
    ['debug', 'debug'],
    ['warn', 'warn'],
    ['error', 'error'],
    ['fatal', 'fatal'],
    ['log', 'log'],
    ['verbose', 'verbose'],
  ])("accepts pino's and Nest's LOG_LEVEL %p as %p", (value, level) => {
    expect(loadConfig({ LOG_LEVEL: value }).logLevel).toBe(level);
  });

  it('defaults the settings of imports, exports and credential key rotation', () => {
    const config = loadConfig({});
    expect(config.jobs).toMatchObject({
      importMaxTotalBytes: 20 * 1024 ** 3,
      importTimeoutMs: 3_600_000,
      exportRole: 'write',
    });
    expect(config.registryAuth.previousCredentialsKey).toBeNull();
    expect(config.graphql.maxAliases).toBe(30);
    expect(loadConfig({ EXPORT_ROLE: 'read' }).jobs.exportRole).toBe('read');
    expect(problemsOf({ EXPORT_ROLE: 'admin' })).toEqual(['EXPORT_ROLE: must be read or write']);
  });

  it('reads the fleet settings: host name and labels, heartbeat and deadline, key prefix', () => {
    const config = loadConfig({
      STEVEDORE_HOST_NAME: 'edge-1',
      STEVEDORE_HOST_LABELS: 'region=eu, role=edge,gpu',
      FLEET_HEARTBEAT_SECONDS: '2',
      FLEET_OFFLINE_SECONDS: '10',
      FLEET_KEY_PREFIX: 'fleet-b',
    });
    expect(config.fleet).toEqual({
      apiDocker: true,
      agentEmbedded: true,
      coordinator: true,
      hostName: 'edge-1',
      hostLabels: { region: 'eu', role: 'edge', gpu: '' },
      heartbeatMs: 2_000,
      offlineAfterMs: 10_000,
      requestTimeoutMs: 60_000,
      jobDeadlineMs: 600_000,
      keyPrefix: 'fleet-b',
    });
    // Without a name, the machine's, made fit for one.
    expect(loadConfig({}).fleet.hostName).toMatch(/^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/);
    expect(loadConfig({}).fleet).toMatchObject({ heartbeatMs: 5_000, offlineAfterMs: 30_000 });
  });

  it('embeds no agent and no worker in an api that holds no Docker socket', () => {
    const config = loadConfig({ API_DOCKER: 'false', AGENT_EMBEDDED: 'true', WORKER_EMBEDDED: 'true' });
    expect([config.fleet.apiDocker, config.fleet.agentEmbedded, config.worker.embedded]).toEqual([
      false,
      false,
      false,
    ]);
    expect(loadConfig({ FAN_OUT_COORDINATOR: 'false' }).fleet.coordinator).toBe(false);
  });

  it('refuses labels that are not key=value, and a deadline within one heartbeat', () => {
    expect(problemsOf({ STEVEDORE_HOST_LABELS: 'a=1,=2' })).toEqual([
      'STEVEDORE_HOST_LABELS: "=2" is not key=value with a plain key',
    ]);
    expect(problemsOf({ FLEET_HEARTBEAT_SECONDS: '10', FLEET_OFFLINE_SECONDS: '10' })).toEqual([
      'FLEET_OFFLINE_SECONDS: must be longer than FLEET_HEARTBEAT_SECONDS',
    ]);
    expect(problemsOf({ FLEET_KEY_PREFIX: 'a:{b}' })).toHaveLength(1);
  });

  it('reads sentinels, and refuses one that is not host:port', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379' });
    expect(config.redis).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      sentinelMaster: 'mymaster',
      // Sentinels name the Redis: no private redis-server is started instead.
      explicit: true,
    });
    expect(loadConfig({}).redis.sentinels).toBeNull();
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379,s2' })).toEqual([
      'REDIS_SENTINELS: "s2" is not host:port',
    ]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DOCKER_HOST: '', PORT: '' }).http.port).toBe(3000);
  });
});
