import { isIP } from 'node:net';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's names for the same levels, which pino and Node users type first. */
const PINO_LEVEL_NAMES: Readonly<Record<string, LogLevel>> = { info: 'log', trace: 'verbose' };
const logLevel = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .transform((value) => PINO_LEVEL_NAMES[value] ?? value)
  .pipe(
    z.enum(LOG_LEVELS, {
      error: `must be one of ${LOG_LEVELS.join(', ')} (or pino's trace, debug, info, warn, error, fatal)`,
    }),
  );

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

function wholeNumber(min: number, max: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
}

/** Comma-separated IP addresses and CIDRs (`127.0.0.1, 10.0.0.0/8, fd00::/8`). */
const addressList = z.string().refine(
  (value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .every((item) => {
        const [address = '', bits, extra] = item.split('/');
        const family = isIP(address);
        const limit = family === 6 ? 128 : 32;
        return (
          family !== 0 &&
          extra === undefined &&
          (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= limit))
        );
      }),
  { error: 'must list IP addresses or CIDRs, separated by commas' },
);

/** The environment as the service reads it; every key is an environment variable name. */
export const environmentSchema = z.object({
  DOCKER_HOST: z
    .string()
    .regex(
      /^(unix:\/\/\/?.+|tcp:\/\/[^/\s]+:\d+\/?|npipe:\/\/.+)$/,
      'must be unix:///path/to/docker.sock or tcp://host:port',
    )
    .default('unix:///var/run/docker.sock'),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).default('mymaster'),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  API_PROCESSES: wholeNumber(1, 256).optional(),
  HTTP_BODY_LIMIT_BYTES: wholeNumber(1024, 100 * 1024 ** 2).default(1024 ** 2),
  CORS_ORIGINS: z.string().optional(),
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  RATE_LIMIT_WINDOW_SECONDS: wholeNumber(1, 3_600).default(60),
  RATE_LIMIT_QUERIES: wholeNumber(0, 10_000_000).default(1_200),
  RATE_LIMIT_MUTATIONS: wholeNumber(0, 10_000_000).default(120),
  WS_MAX_CONNECTIONS_PER_TOKEN: wholeNumber(1, 100_000).default(50),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: wholeNumber(1, 10_000).default(100),
  STEVEDORE_API_TOKENS: z.string().optional(),
  WORKER_EMBEDDED: booleanString.default(true),
  WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(64, 'must be at most 64')
    .default(2),
  JOB_ATTEMPTS: wholeNumber(1, 20).default(3),
  JOB_BACKOFF_MS: wholeNumber(100, 600_000).default(2_000),
  JOB_KEEP_SECONDS: wholeNumber(60, 90 * 86_400).default(7 * 86_400),
  JOB_KEEP_COUNT: wholeNumber(10, 1_000_000).default(1_000),
  JOB_LOCK_SECONDS: wholeNumber(2, 600).default(30),
  SHUTDOWN_GRACE_SECONDS: wholeNumber(0, 3_600).default(30),
  DOCKER_CONFIG: z.string().min(1).optional(),
  STEVEDORE_CREDENTIALS_KEY: z.string().min(1).optional(),
  STEVEDORE_CREDENTIALS_PREVIOUS_KEY: z.string().min(1).optional(),
  REGISTRIES_FILE: z.string().min(1).optional(),
  REGISTRY_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(30),
  REGISTRY_CHECK_TIMEOUT_SECONDS: wholeNumber(1, 60).default(3),
  UPDATE_CHECK_INTERVAL_SECONDS: wholeNumber(0, 30 * 86_400).default(0),
  IMPORT_MAX_BYTES: wholeNumber(1024, Number.MAX_SAFE_INTEGER).default(10 * 1024 ** 3),
  IMPORT_MAX_TOTAL_BYTES: wholeNumber(1024, Number.MAX_SAFE_INTEGER).default(20 * 1024 ** 3),
  IMPORT_TIMEOUT_SECONDS: wholeNumber(60, 7 * 86_400).default(3_600),
  EXPORT_ROLE: z.enum(['read', 'write'], { error: 'must be read or write' }).default('write'),
  GRAPHQL_MAX_ALIASES: wholeNumber(1, 10_000).default(30),
  GRAPHQL_MAX_DEPTH: wholeNumber(2, 100).default(12),
  GRAPHQL_MAX_COST: wholeNumber(10, 10_000_000).default(100_000),
  GRAPHQL_INTROSPECTION: booleanString.default(true),
  AUDIT_MAX_ENTRIES: wholeNumber(100, 10_000_000).default(100_000),
  WEBHOOK_ALLOWED_TARGETS: addressList.optional(),
  WEBHOOK_REFUSED_TARGETS: addressList.optional(),
  WEBHOOK_TIMEOUT_SECONDS: wholeNumber(1, 300).default(10),
  WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 50).default(8),
  WEBHOOK_DISABLE_AFTER_FAILURES: wholeNumber(1, 100_000).default(20),
  WEBHOOK_HISTORY: wholeNumber(1, 100_000).default(500),
  CATALOGUE_RESYNC_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(5, 'must be at least 5')
    .max(86_400, 'must be at most 86400')
    .default(300),
  API_DOCKER: booleanString.default(true),
  AGENT_EMBEDDED: booleanString.default(true),
  FAN_OUT_COORDINATOR: booleanString.default(true),
  STEVEDORE_HOST_NAME: z.string().min(1).optional(),
  STEVEDORE_HOST_LABELS: z.string().optional(),
  FLEET_HEARTBEAT_SECONDS: wholeNumber(1, 3_600).default(5),
  FLEET_OFFLINE_SECONDS: wholeNumber(2, 86_400).default(30),
  FLEET_REQUEST_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(60),
  FLEET_JOB_DEADLINE_SECONDS: wholeNumber(1, 30 * 86_400).default(600),
  FLEET_KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be lowercase letters, digits, ".", "_" or "-"')
    .default('stevedore'),
  LOG_LEVEL: logLevel.default('log'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto'], { error: 'must be json, pretty or auto' }).default('auto'),
  STEVEDORE_STATE_DIR: z.string().min(1).default('.state'),
});

export type Environment = z.output<typeof environmentSchema>;
