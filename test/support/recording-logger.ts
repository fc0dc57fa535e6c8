import { inspect } from 'node:util';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** A Nest logger that prints nothing and keeps every line, so a test can search what was logged. */
export class RecordingLogger extends ConsoleLogger {
  readonly lines: string[] = [];

  constructor() {
    super({ json: true, logLevels: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] });
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    this.lines.push(inspect({ logLevel, context, messages }, { depth: 20, breakLength: Infinity }));
  }

  /** Everything logged, as one searchable text. */
  text(): string {
    return this.lines.join('\n');
  }
}
