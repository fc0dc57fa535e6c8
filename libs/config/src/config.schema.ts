import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

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
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  STEVEDORE_API_TOKENS: z.string().optional(),
  WORKER_EMBEDDED: booleanString.default(true),
  WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(64, 'must be at most 64')
    .default(2),
  CATALOGUE_RESYNC_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(5, 'must be at least 5')
    .max(86_400, 'must be at most 86400')
    .default(300),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('log'),
  STEVEDORE_STATE_DIR: z.string().min(1).default('.state'),
});

export type Environment = z.output<typeof environmentSchema>;
