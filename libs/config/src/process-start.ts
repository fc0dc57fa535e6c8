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
