export * from './logging.module.js';
export * from './pino-nest-logger.js';
export * from './root-logger.js';
export * from './redacted-url.js';
