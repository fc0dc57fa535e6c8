import { ConsoleLogger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { ConfigurationError } from './configuration-error.js';
import { LOG_LEVELS, type LogLevel } from './config.schema.js';
import { loadConfig, type StevedoreConfig } from './stevedore-config.js';

/** For a process entry point: the configuration, or a message naming each bad variable and exit 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): StevedoreConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/**
 * For the lines a process writes before its application (and its pino logger) exists: JSON lines
 * on stdout, or coloured text for a person at a terminal; LOG_LEVEL is the least severe printed.
 */
export function processLogger(level: LogLevel, pretty = false): ConsoleLogger {
  const enabled = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as NestLogLevel[];
  return new ConsoleLogger({ json: !pretty, colors: pretty, logLevels: enabled });
}

/**
 * For a process entry point whose shutdown hooks wait on Redis or Docker: after SIGTERM or
 * SIGINT, exit with status 1 if the graceful stop has not ended within `boundMs` (a connection
 * retrying for ever must not keep a stopped agent or worker alive).
 */
export function exitIfStopTakesLongerThan(boundMs: number): void {
  const arm = () => setTimeout(() => process.exit(1), boundMs).unref();
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
