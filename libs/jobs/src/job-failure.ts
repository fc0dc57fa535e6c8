import { ERROR_HTTP_STATUS, type ErrorCode } from '#libs/errors';

/** Cancellation is a state, not an error code of the contract; this marks it in a failed reason. */
export const CANCELLED_MARK = 'CANCELLED';

/**
 * The error a job handler throws: BullMQ keeps only the message as the failed reason, so the
 * code travels in it (`CODE: message`) and is read back by `parseFailedReason`.
 */
export class JobFailure extends Error {
  constructor(
    readonly code: ErrorCode | typeof CANCELLED_MARK,
    readonly detail: string,
    /** Whether another attempt may succeed; unset: judged by the code. */
    readonly retryable?: boolean,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'JobFailure';
  }
}

export function parseFailedReason(reason: string | undefined): {
  code: ErrorCode | typeof CANCELLED_MARK;
  message: string;
} {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason ?? '');
  if (match && (match[1] === CANCELLED_MARK || Object.hasOwn(ERROR_HTTP_STATUS, match[1]!))) {
    return { code: match[1] as ErrorCode | typeof CANCELLED_MARK, message: match[2]! };
  }
  // A failure not thrown by our handlers (a lost lock, a stalled job given up): no code of its own.
  return { code: 'INTERNAL', message: reason || 'The job failed without a reason.' };
}
