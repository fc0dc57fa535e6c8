export * from './logging.module.js';
export * from './redaction.js';
export { Logger as PinoNestLogger } from 'nestjs-pino';
