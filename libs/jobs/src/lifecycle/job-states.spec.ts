import { DomainError } from '#libs/errors';
import {
  FINAL_JOB_STATES,
  isFinal,
  JOB_STATES,
  JOB_TRANSITIONS,
  nextState,
  requireCancellable,
  requireRetryable,
  type JobState,
  type JobTransition,
} from './job-states.js';

/** The code a refusal carries, or 'allowed'. */
function codeOf(check: () => void): string {
  try {
    check();
    return 'allowed';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

describe('the job state machine', () => {
  const legal: [JobState, JobTransition, JobState][] = [
    ['QUEUED', 'start', 'ACTIVE'],
    ['QUEUED', 'cancel', 'CANCELLED'],
    ['ACTIVE', 'complete', 'COMPLETED'],
    ['ACTIVE', 'fail', 'FAILED'],
    ['ACTIVE', 'requeue', 'QUEUED'],
    ['ACTIVE', 'cancel', 'CANCELLED'],
    ['FAILED', 'retry', 'QUEUED'],
    ['CANCELLED', 'retry', 'QUEUED'],
  ];

  it.each(legal)('moves %s by %s to %s', (from, transition, to) => {
    expect(nextState(from, transition)).toBe(to);
  });

  it('allows no other move', () => {
    const allowed = new Set(legal.map(([from, transition]) => `${from} ${transition}`));
    for (const from of JOB_STATES) {
      for (const transition of JOB_TRANSITIONS) {
        if (allowed.has(`${from} ${transition}`)) continue;
        expect({ from, transition, to: nextState(from, transition) }).toEqual({ from, transition, to: null });
      }
    }
  });

  it('leaves a completed job nowhere to go, and a final state only by a retry', () => {
    expect(JOB_TRANSITIONS.map((transition) => nextState('COMPLETED', transition))).toEqual(
      JOB_TRANSITIONS.map(() => null),
    );
    for (const state of FINAL_JOB_STATES) {
      for (const transition of JOB_TRANSITIONS.filter((transition) => transition !== 'retry')) {
        expect(nextState(state, transition)).toBeNull();
      }
    }
    expect(JOB_STATES.filter((state) => isFinal({ state }))).toEqual(['COMPLETED', 'FAILED', 'CANCELLED']);
  });

  it('cancels queued and active jobs only; a finished one is JOB_NOT_CANCELLABLE', () => {
    expect(JOB_STATES.map((state) => [state, codeOf(() => requireCancellable('job-1', state))])).toEqual([
      ['QUEUED', 'allowed'],
      ['ACTIVE', 'allowed'],
      ['COMPLETED', 'JOB_NOT_CANCELLABLE'],
      ['FAILED', 'JOB_NOT_CANCELLABLE'],
      ['CANCELLED', 'JOB_NOT_CANCELLABLE'],
    ]);
  });

  it('retries failed and cancelled jobs only, and none whose artifact went with its end', () => {
    const retry = (state: JobState, holdsArtifact = false) =>
      codeOf(() => requireRetryable('job-1', state, { holdsArtifact }));
    expect(JOB_STATES.map((state) => [state, retry(state)])).toEqual([
      ['QUEUED', 'BAD_USER_INPUT'],
      ['ACTIVE', 'BAD_USER_INPUT'],
      ['COMPLETED', 'BAD_USER_INPUT'],
      ['FAILED', 'allowed'],
      ['CANCELLED', 'allowed'],
    ]);
    expect(retry('FAILED', true)).toBe('BAD_USER_INPUT');
    expect(() => requireRetryable('job-1', 'COMPLETED', { holdsArtifact: false })).toThrow(
      'Job job-1 is completed; only failed or cancelled jobs can be retried.',
    );
  });
});
