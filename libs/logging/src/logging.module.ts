import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import type { LogLevel } from '#libs/config';
import { REDACTED_PATHS, REDACTION_CENSOR } from './redaction.js';

/** Nest's level names, as pino calls them. */
const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export interface LoggingOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout when absent (tests pass a recorder). */
  readonly destination?: DestinationStream;
  /** The id of an HTTP request, for the api; every line logged while serving it carries it. */
  readonly requestIdOf?: (request: IncomingMessage, response: ServerResponse) => string;
}

/**
 * JSON lines through pino (nestjs-pino): Nest's Logger calls land here, each with its context,
 * and inside an HTTP request with its `requestId`. Secrets are redacted before writing.
 */
export function loggingModule(options: LoggingOptions): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: [
      {
        level: PINO_LEVEL[options.level],
        // Stevedore's log calls name their text `message`; pino's own lines then agree.
        messageKey: 'message',
        redact: { paths: [...REDACTED_PATHS], censor: REDACTION_CENSOR },
        genReqId: options.requestIdOf,
        customAttributeKeys: { reqId: 'requestId' },
        // Lines logged while serving a request carry its id only, not the whole request.
        quietReqLogger: true,
        // Probes every few seconds would drown the access log.
        autoLogging: { ignore: (request) => request.url?.startsWith('/health/') ?? false },
      },
      options.destination ?? process.stdout,
    ],
  });
}
