import { ERROR_HTTP_STATUS, type ErrorCode } from '#libs/errors';

/**
 * The error a job handler throws: BullMQ keeps only the message as the failed reason, so the
 * code travels in it (`CODE: message`) and is read back by `parseFailedReason`.
 */
export class JobFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** Whether another attempt may succeed; unset: judged by the code (see attemptOutcome). */
    readonly retryable?: boolean,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'JobFailure';
  }
}

export function parseFailedReason(reason: string | undefined): { code: ErrorCode; message: string } {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason ?? '');
  if (match && Object.hasOwn(ERROR_HTTP_STATUS, match[1]!)) {
    return { code: match[1] as ErrorCode, message: match[2]! };
  }
  // A failure not thrown by our handlers (a lost lock, a stalled job given up): no code of its own.
  return { code: 'INTERNAL', message: reason || 'The job failed without a reason.' };
}
