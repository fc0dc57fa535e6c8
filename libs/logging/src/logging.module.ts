import type { DynamicModule } from '@nestjs/common';
import { PinoNestLogger, ROOT_LOGGER } from './pino-nest-logger.js';
import { createRootLogger, type LoggingOptions } from './root-logger.js';

/**
 * JSON lines through pino: Nest's Logger calls land here, each with its context. No work per
 * HTTP request: the api writes its own access line, and the request id reaches every line
 * through `fieldsOf`.
 */
export function loggingModule(options: LoggingOptions): DynamicModule {
  return {
    module: LoggingModule,
    global: true,
    providers: [{ provide: ROOT_LOGGER, useValue: createRootLogger(options) }, PinoNestLogger],
    exports: [ROOT_LOGGER, PinoNestLogger],
  };
}

class LoggingModule {}
