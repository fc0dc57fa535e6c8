import { availableParallelism, hostname } from 'node:os';
import { ConfigurationError } from './configuration-error.js';
import { environmentSchema, type LogLevel } from './config.schema.js';
import { parseDockerHost, type DockerConnection } from './docker-host.js';
import { parseApiTokens, type ApiToken } from '#libs/auth';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Validated configuration of one Stevedore process. */
export interface StevedoreConfig {
  readonly docker: DockerConnection;
  readonly redis: {
    /** The Redis (or, with sentinels, the master's credentials and database). */
    readonly url: string;
    /** Sentinels to ask for the current master of `sentinelMaster` (REDIS_SENTINELS); null: `url` is the server. */
    readonly sentinels: readonly { readonly host: string; readonly port: number }[] | null;
    readonly sentinelMaster: string;
    readonly sentinelPassword: string | null;
    /** False when REDIS_URL was not given, so the launcher may start a private redis-server. */
    readonly explicit: boolean;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    /**
     * api processes sharing the port (SO_REUSEPORT), to use every core. Defaults to the number of
     * cores with NODE_ENV=production, else 1 (a developer's machine, the tests).
     */
    readonly processes: number;
    /** Largest request body accepted (JSON or form); larger ones get BAD_USER_INPUT. */
    readonly bodyLimitBytes: number;
    /** Origins allowed to call from a browser; empty: CORS closed (no CORS headers at all). */
    readonly corsOrigins: readonly string[];
  };
  /** Requests per token per window, queries (reads) and mutations counted apart; 0: no limit. */
  readonly rateLimits: {
    readonly windowSeconds: number;
    readonly queries: number;
    readonly mutations: number;
  };
  /** graphql-ws bounds: open connections per token, live subscriptions per connection. */
  readonly websocket: {
    readonly maxConnectionsPerToken: number;
    readonly maxSubscriptionsPerConnection: number;
  };
  /** A bearer token that may read /metrics only (admins always may); null: admins only. */
  readonly metricsToken: string | null;
  /** Empty when STEVEDORE_API_TOKENS is unset: the api then generates one admin token at start-up. */
  readonly apiTokens: readonly ApiToken[];
  readonly worker: { readonly embedded: boolean; readonly concurrency: number };
  readonly jobs: {
    /**
     * BullMQ's key prefix of the image queue this process produces to or works: `bull` for the
     * api's own daemon; an agent works its host's queue, `<fleet prefix>:{host:<name>}`.
     */
    readonly queuePrefix: string;
    /** Tries per job, the first included; transient failures retry with exponential backoff. */
    readonly attempts: number;
    readonly backoffMs: number;
    /** Finished jobs are kept this long and at most this many (completed and failed each). */
    readonly keepSeconds: number;
    readonly keepCount: number;
    /** A worker that stops renewing its lock this long is presumed dead; its jobs run again. */
    readonly lockMs: number;
    /** On SIGTERM, active jobs get this long to finish before they are handed back to the queue. */
    readonly shutdownGraceMs: number;
    /** Largest `docker save` archive accepted for import. */
    readonly importMaxBytes: number;
    /** All archives waiting in the uploads folder together; past it an import is refused. */
    readonly importMaxTotalBytes: number;
    /** How long one import request may take to arrive (Node's default of 300 s cuts large ones). */
    readonly importTimeoutMs: number;
    /** The role `docker save` (export) needs: whole images, secrets baked into layers included. */
    readonly exportRole: 'read' | 'write';
  };
  readonly registryAuth: {
    /** Folder of a Docker CLI config.json whose `auths` supply registry credentials. */
    readonly dockerConfigDir: string | null;
    /** Key sealing credentials given with a job; null: a key file in the state folder. */
    readonly credentialsKey: string | null;
    /** The key before the last rotation: still opens what it sealed, never seals. */
    readonly previousCredentialsKey: string | null;
  };
  readonly registries: {
    /** A JSON or YAML file of named registries and their credentials. */
    readonly file: string | null;
    /** Per registry request: to connect, to get the headers, between two chunks of a body. */
    readonly timeoutMs: number;
    /** The `GET /v2/` check of each registry that `registries` lists. */
    readonly checkTimeoutMs: number;
    /** How often every tagged local image is checked for updates; 0: only on demand. */
    readonly updateCheckIntervalMs: number;
  };
  /** Operations over these are refused before they run (QUERY_TOO_COMPLEX), subscriptions too. */
  readonly graphql: {
    readonly maxDepth: number;
    readonly maxCost: number;
    /** Aliases per document: each aliased field runs (and costs) once more. */
    readonly maxAliases: number;
    readonly introspection: boolean;
  };
  /** The audit trail keeps about this many newest entries. */
  readonly audit: { readonly maxEntries: number };
  readonly webhooks: {
    /** Addresses and CIDRs a webhook may reach even where refused (WEBHOOK_ALLOWED_TARGETS). */
    readonly allowedTargets: readonly string[];
    /** Addresses and CIDRs it may not (WEBHOOK_REFUSED_TARGETS); null: the built-in list. */
    readonly refusedTargets: readonly string[] | null;
    /** One delivery attempt, connection to the end of the answer. */
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    /** Consecutive failed deliveries after which a subscription is disabled. */
    readonly disableAfterFailures: number;
    /** Delivery attempts kept per subscription, newest first. */
    readonly historySize: number;
  };
  /** The live catalogue's safety-net resync period; events keep it current in between. */
  readonly catalogue: { readonly resyncMs: number };
  /** This host in the fleet (what its agent registers) and the fleet's timing. */
  readonly fleet: {
    /**
     * The api reaches a Docker daemon of its own, DOCKER_HOST (API_DOCKER, default true). False:
     * it holds no socket and reaches every host through that host's agent; it then embeds no
     * agent and no worker, whatever AGENT_EMBEDDED and WORKER_EMBEDDED say.
     */
    readonly apiDocker: boolean;
    /** The api runs the agent of its own daemon in-process (AGENT_EMBEDDED, default true). */
    readonly agentEmbedded: boolean;
    /** The api runs parents of fan-outs (FAN_OUT_COORDINATOR, default true); at least one api must. */
    readonly coordinator: boolean;
    /** Checked against the host name grammar where it is used (libs/fleet). */
    readonly hostName: string;
    readonly hostLabels: Readonly<Record<string, string>>;
    readonly heartbeatMs: number;
    /** An agent not heard from for this long makes its host OFFLINE; must exceed the heartbeat. */
    readonly offlineAfterMs: number;
    /** How long a host's queued jobs wait for its agent when it is away, before they fail with HOST_OFFLINE. */
    readonly jobDeadlineMs: number;
    /** How long a change asked of another host's agent may take, answer and replica update included. */
    readonly requestTimeoutMs: number;
    /** Every fleet key starts with it (a second fleet, or a test, on the same Redis uses another). */
    readonly keyPrefix: string;
  };
  readonly logLevel: LogLevel;
  /** auto: human-readable lines when stdout is a terminal, JSON lines otherwise. */
  readonly logFormat: 'json' | 'pretty' | 'auto';
  readonly stateDir: string;
}

/**
 * Reads and validates the environment. Throws one ConfigurationError that names every bad
 * variable, so an operator fixes them all in one go.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StevedoreConfig {
  const problems: string[] = [];
  const parsed = environmentSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(problems);
  }
  const vars = parsed.data;

  const docker = collect(problems, () =>
    parseDockerHost(vars.DOCKER_HOST, {
      tlsVerify: vars.DOCKER_TLS_VERIFY,
      certPath: vars.DOCKER_CERT_PATH,
    }),
  );
  const { tokens: apiTokens, problems: tokenProblems } = parseApiTokens(vars.STEVEDORE_API_TOKENS ?? '');
  problems.push(...tokenProblems);
  const hostLabels = collect(problems, () => parseHostLabels(vars.STEVEDORE_HOST_LABELS ?? ''));
  const sentinels = collect(problems, () => parseSentinels(vars.REDIS_SENTINELS)) ?? null;
  if (vars.FLEET_OFFLINE_SECONDS <= vars.FLEET_HEARTBEAT_SECONDS) {
    problems.push('FLEET_OFFLINE_SECONDS: must be longer than FLEET_HEARTBEAT_SECONDS');
  }
  if (problems.length > 0 || !docker || !apiTokens || !hostLabels) throw new ConfigurationError(problems);

  return {
    docker,
    redis: {
      url: vars.REDIS_URL ?? DEFAULT_REDIS_URL,
      // Sentinels name the Redis too: no private one is started in their place.
      explicit: vars.REDIS_URL !== undefined || sentinels !== null,
      sentinels,
      sentinelMaster: vars.REDIS_SENTINEL_MASTER,
      sentinelPassword: vars.REDIS_SENTINEL_PASSWORD ?? null,
    },
    http: {
      host: vars.HOST,
      port: vars.PORT,
      processes: vars.API_PROCESSES ?? (env.NODE_ENV === 'production' ? availableParallelism() : 1),
      bodyLimitBytes: vars.HTTP_BODY_LIMIT_BYTES,
      corsOrigins: listOf(vars.CORS_ORIGINS),
    },
    rateLimits: {
      windowSeconds: vars.RATE_LIMIT_WINDOW_SECONDS,
      queries: vars.RATE_LIMIT_QUERIES,
      mutations: vars.RATE_LIMIT_MUTATIONS,
    },
    websocket: {
      maxConnectionsPerToken: vars.WS_MAX_CONNECTIONS_PER_TOKEN,
      maxSubscriptionsPerConnection: vars.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    },
    metricsToken: vars.METRICS_TOKEN ?? null,
    apiTokens,
    worker: { embedded: vars.API_DOCKER && vars.WORKER_EMBEDDED, concurrency: vars.WORKER_CONCURRENCY },
    jobs: {
      queuePrefix: 'bull',
      attempts: vars.JOB_ATTEMPTS,
      backoffMs: vars.JOB_BACKOFF_MS,
      keepSeconds: vars.JOB_KEEP_SECONDS,
      keepCount: vars.JOB_KEEP_COUNT,
      lockMs: vars.JOB_LOCK_SECONDS * 1000,
      shutdownGraceMs: vars.SHUTDOWN_GRACE_SECONDS * 1000,
      importMaxBytes: vars.IMPORT_MAX_BYTES,
      importMaxTotalBytes: vars.IMPORT_MAX_TOTAL_BYTES,
      importTimeoutMs: vars.IMPORT_TIMEOUT_SECONDS * 1000,
      exportRole: vars.EXPORT_ROLE,
    },
    registryAuth: {
      dockerConfigDir: vars.DOCKER_CONFIG ?? null,
      credentialsKey: vars.STEVEDORE_CREDENTIALS_KEY ?? null,
      previousCredentialsKey: vars.STEVEDORE_CREDENTIALS_PREVIOUS_KEY ?? null,
    },
    registries: {
      file: vars.REGISTRIES_FILE ?? null,
      timeoutMs: vars.REGISTRY_TIMEOUT_SECONDS * 1000,
      checkTimeoutMs: vars.REGISTRY_CHECK_TIMEOUT_SECONDS * 1000,
      updateCheckIntervalMs: vars.UPDATE_CHECK_INTERVAL_SECONDS * 1000,
    },
    graphql: {
      maxDepth: vars.GRAPHQL_MAX_DEPTH,
      maxCost: vars.GRAPHQL_MAX_COST,
      maxAliases: vars.GRAPHQL_MAX_ALIASES,
      introspection: vars.GRAPHQL_INTROSPECTION,
    },
    audit: { maxEntries: vars.AUDIT_MAX_ENTRIES },
    webhooks: {
      allowedTargets: listOf(vars.WEBHOOK_ALLOWED_TARGETS),
      refusedTargets:
        vars.WEBHOOK_REFUSED_TARGETS === undefined ? null : listOf(vars.WEBHOOK_REFUSED_TARGETS),
      timeoutMs: vars.WEBHOOK_TIMEOUT_SECONDS * 1000,
      maxAttempts: vars.WEBHOOK_MAX_ATTEMPTS,
      disableAfterFailures: vars.WEBHOOK_DISABLE_AFTER_FAILURES,
      historySize: vars.WEBHOOK_HISTORY,
    },
    catalogue: { resyncMs: vars.CATALOGUE_RESYNC_SECONDS * 1000 },
    fleet: {
      apiDocker: vars.API_DOCKER,
      agentEmbedded: vars.API_DOCKER && vars.AGENT_EMBEDDED,
      coordinator: vars.FAN_OUT_COORDINATOR,
      hostName: vars.STEVEDORE_HOST_NAME ?? hostNameOfMachine(),
      hostLabels,
      heartbeatMs: vars.FLEET_HEARTBEAT_SECONDS * 1000,
      offlineAfterMs: vars.FLEET_OFFLINE_SECONDS * 1000,
      requestTimeoutMs: vars.FLEET_REQUEST_TIMEOUT_SECONDS * 1000,
      jobDeadlineMs: vars.FLEET_JOB_DEADLINE_SECONDS * 1000,
      keyPrefix: vars.FLEET_KEY_PREFIX,
    },
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    stateDir: vars.STEVEDORE_STATE_DIR,
  };
}

/** `host:port` pairs, comma-separated; null when unset. */
function parseSentinels(value: string | undefined): { host: string; port: number }[] | null {
  if (value === undefined) return null;
  const sentinels = listOf(value).map((pair) => {
    const match = /^(.+):(\d{1,5})$/.exec(pair);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigurationError([`REDIS_SENTINELS: ${JSON.stringify(pair)} is not host:port`]);
    }
    return { host: match[1]!, port };
  });
  if (sentinels.length === 0) throw new ConfigurationError(['REDIS_SENTINELS: names no sentinel']);
  return sentinels;
}

/** `key=value` pairs, comma-separated, as `docker --label` takes them one by one. */
function parseHostLabels(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of listOf(value)) {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at).trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(key)) {
      throw new ConfigurationError([
        `STEVEDORE_HOST_LABELS: ${JSON.stringify(pair)} is not key=value with a plain key`,
      ]);
    }
    labels[key] = at < 0 ? '' : pair.slice(at + 1).trim();
  }
  return labels;
}

/** The machine's name, made into a host name (lowercase; other characters become '-'). */
function hostNameOfMachine(): string {
  const name = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63)
    .replace(/[^a-z0-9]+$/, '');
  return name || 'local';
}

/** An empty variable (`FOO=`) means "not set", as the Docker CLI treats DOCKER_HOST. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** A comma-separated list, blanks dropped. */
function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
