import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { PinoNestLogger } from './pino-nest-logger.js';
import { createRootLogger } from './root-logger.js';

function recorded(level: 'log' | 'debug', fieldsOf?: () => Record<string, unknown> | undefined) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
      done();
    },
  });
  return { logger: new PinoNestLogger(createRootLogger({ level, destination, fieldsOf })), lines };
}

describe('PinoNestLogger', () => {
  it('writes an object message as the fields of one line, with the context', () => {
    const { logger, lines } = recorded('log');
    logger.log({ message: 'catalogue synced', images: 3 }, 'LiveCatalogue');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        message: 'catalogue synced',
        images: 3,
        context: 'LiveCatalogue',
      }),
    ]);
  });

  it('keeps an error with its stack, and Nest exception handlers’ (message, stack, context)', () => {
    const { logger, lines } = recorded('log');
    logger.error(new Error('boom'), 'Worker');
    logger.error('failed', 'Error: failed\n    at x', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({
      level: 50,
      message: 'boom',
      context: 'Worker',
      err: { message: 'boom' },
    });
    expect(lines[1]).toMatchObject({ level: 50, message: 'failed', stack: 'Error: failed\n    at x' });
  });

  it('moves Nest’s per-module and per-route start-up lines to debug', () => {
    const quiet = recorded('log');
    quiet.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.logger.log('Mapped {/health/live, GET} route', 'RouterExplorer');
    expect(quiet.lines).toEqual([]);
    const verbose = recorded('debug');
    verbose.logger.log('Mapped {/health/live, GET} route', 'RouterExplorer');
    expect(verbose.lines).toEqual([expect.objectContaining({ level: 20, context: 'RouterExplorer' })]);
  });

  it('adds the fields of the moment (the request id) to every line, and redacts secrets', () => {
    const { logger, lines } = recorded('log', () => ({ requestId: 'req-1' }));
    logger.log({ message: 'pull', registry: { password: 'hunter2' }, token: 't0ps3cret' }, 'Jobs');
    expect(lines[0]).toMatchObject({
      requestId: 'req-1',
      registry: { password: '[redacted]' },
      token: '[redacted]',
    });
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|t0ps3cret/);
  });
});
