import pTimeout from 'p-timeout';

/**
 * The promise's outcome, or a rejection once `ms` have passed without one (the work itself goes
 * on, and its own late failure is handled rather than left unhandled).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return pTimeout(promise, { milliseconds: ms, message: `timed out after ${ms} ms` });
}
