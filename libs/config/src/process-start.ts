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

/** Structured JSON lines on stdout; LOG_LEVEL is the least severe level printed. */
export function jsonLogger(level: LogLevel): ConsoleLogger {
  const enabled = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as NestLogLevel[];
  return new ConsoleLogger({ json: true, logLevels: enabled });
}
