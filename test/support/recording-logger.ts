import { Writable } from 'node:stream';

/** A log destination that prints nothing and keeps every line, so a test can search what was logged. */
export class RecordingLogStream extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  /** Every line, parsed. */
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Everything logged, as one searchable text. */
  text(): string {
    return this.lines.join('\n');
  }
}

/** Where logs go when a test does not look at them. */
export function discardedLogs(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
