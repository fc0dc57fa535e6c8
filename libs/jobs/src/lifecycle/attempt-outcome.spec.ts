import { DockerUnavailableError, ImageNotFoundError } from '#libs/errors';
import { JobFailure } from '../job-failure.js';
import { ABORT_REASONS, attemptOutcome } from './attempt-outcome.js';

const running = () => new AbortController().signal;
const abortedFor = (reason: unknown) => {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
};

describe('attemptOutcome', () => {
  it('makes whatever an aborted handler threw a cancel or a hand-back, by the reason of the abort', () => {
    const thrown = new JobFailure('MANIFEST_UNKNOWN', 'not found');
    expect(attemptOutcome(thrown, abortedFor(ABORT_REASONS.cancelled))).toEqual({ kind: 'cancelled' });
    expect(attemptOutcome(new Error('aborted'), abortedFor(ABORT_REASONS.shutdown))).toEqual({
      kind: 'handed-back',
    });
  });

  it('retries transient failures, and fails the others at once', () => {
    const kindOf = (error: unknown) => attemptOutcome(error, running()).kind;
    expect(kindOf(new JobFailure('DOCKER_UNAVAILABLE', 'down'))).toBe('retryable');
    expect(kindOf(new JobFailure('REGISTRY_UNREACHABLE', 'dial tcp'))).toBe('retryable');
    expect(kindOf(new DockerUnavailableError('connect ENOENT'))).toBe('retryable');
    expect(kindOf(new JobFailure('MANIFEST_UNKNOWN', 'not found'))).toBe('failed');
    expect(kindOf(new ImageNotFoundError('x'))).toBe('failed');
    expect(kindOf(new TypeError('a bug'))).toBe('failed');
    // The handler knows better than the code.
    expect(kindOf(new JobFailure('DOCKER_UNAVAILABLE', 'stream cut', false))).toBe('failed');
    expect(kindOf(new JobFailure('BAD_USER_INPUT', 'try again', true))).toBe('retryable');
  });

  it('carries a failure with a contract code, INTERNAL for anything else', () => {
    expect(attemptOutcome(new TypeError('x is undefined'), running())).toMatchObject({
      failure: { code: 'INTERNAL', detail: 'x is undefined', message: 'INTERNAL: x is undefined' },
    });
    expect(attemptOutcome('a string', running())).toMatchObject({ failure: { code: 'INTERNAL' } });
  });
});
