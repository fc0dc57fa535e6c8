import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Nest's own start-up chatter (a line per module and per route): debug, not the operator's log. */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'GraphQLModule',
]);

/**
 * Nest's Logger calls, written by the root pino logger. Nest passes the context (the name given
 * to `new Logger(name)`) as the last argument; an object message becomes the line's fields.
 */
@Injectable()
export class PinoNestLogger implements LoggerService {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    this.write(
      typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info',
      message,
      rest,
    );
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const context = rest.length > 0 ? rest[rest.length - 1] : undefined;
    if (typeof context === 'string') fields.context = context;
    if (message instanceof Error) {
      fields.err = message;
      this.root[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.root[level](Object.assign(fields, message));
    } else if (level === 'error' && typeof rest[0] === 'string' && rest.length === 2) {
      // Nest's own exception handlers call error(message, stack, context).
      this.root[level]({ ...fields, stack: rest[0] }, String(message));
    } else {
      this.root[level](fields, String(message));
    }
  }
}
