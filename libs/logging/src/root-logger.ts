import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type { LogLevel } from '#libs/config';
import { withoutSecrets } from '#libs/secrets';

/** Nest's level names, as pino calls them. */
export const PINO_LEVEL: Record<LogLevel, LevelWithSilent> = {
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
  /**
   * Fields every line carries, read when the line is written: the api adds the id of the HTTP
   * request being served. Called once per line, so it must be cheap.
   */
  readonly fieldsOf?: () => Record<string, unknown> | undefined;
  /** Human-readable lines (pino-pretty) instead of JSON: for a person at a terminal. */
  readonly pretty?: boolean;
}

/** The process's one pino logger: JSON lines, secrets redacted before writing. */
export function createRootLogger(options: LoggingOptions): Logger {
  const fieldsOf = options.fieldsOf;
  return pino(
    {
      level: PINO_LEVEL[options.level],
      // Stevedore's log calls name their text `message`; pino's own lines then agree.
      messageKey: 'message',
      // Secrets are found by their field names at any depth (the one definition, in libs/secrets).
      formatters: { log: (fields) => withoutSecrets(fields) as Record<string, unknown> },
      ...(fieldsOf ? { mixin: () => fieldsOf() ?? {} } : {}),
    },
    options.destination ?? (options.pretty ? prettyStdout() : pino.destination({ fd: 1, sync: false })),
  );
}

/** pino-pretty in a worker thread, so formatting never blocks a request. */
function prettyStdout(): DestinationStream {
  return pino.transport({
    target: 'pino-pretty',
    options: {
      messageKey: 'message',
      messageFormat: '{if context}[{context}] {end}{message}',
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context',
    },
  }) as DestinationStream;
}

/** Pretty lines when a person is watching stdout, unless LOG_FORMAT says otherwise. */
export function wantsPrettyLogs(format: 'json' | 'pretty' | 'auto'): boolean {
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
}
