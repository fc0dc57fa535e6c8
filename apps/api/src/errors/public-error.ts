import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, httpStatusOf, type ErrorCode } from '#libs/errors';

/** What a client is told about a failure. */
export interface PublicError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  /** True when the failure is ours, not the caller's: it must be logged with the request id. */
  readonly unexpected: boolean;
}

/**
 * The one place where anything thrown becomes a contract error. Domain errors keep their code;
 * framework HTTP errors (bad JSON, unknown route, body too large, Nest's or Fastify's) are the
 * caller's input problems; anything else is INTERNAL, with a message that hides the cause and names the
 * request id under which it was logged.
 */
export function toPublicError(error: unknown, requestId: string): PublicError {
  if (error instanceof DomainError) {
    return { code: error.code, status: httpStatusOf(error.code), message: error.message, unexpected: false };
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    return {
      code: 'BAD_USER_INPUT',
      // The contract answers "over a size limit" with BAD_USER_INPUT's own status.
      status:
        error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE
          ? httpStatusOf('BAD_USER_INPUT')
          : error.getStatus(),
      message: httpMessage(error),
      unexpected: false,
    };
  }
  const frameworkStatus = fastifyRefusalStatus(error);
  if (frameworkStatus !== undefined) {
    return {
      code: 'BAD_USER_INPUT',
      status:
        frameworkStatus === HttpStatus.PAYLOAD_TOO_LARGE ? httpStatusOf('BAD_USER_INPUT') : frameworkStatus,
      message: (error as Error).message,
      unexpected: false,
    };
  }
  return {
    code: 'INTERNAL',
    status: httpStatusOf('INTERNAL'),
    message: `Internal error; it was logged with request id ${requestId}.`,
    unexpected: true,
  };
}

function httpMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return error.message;
}

/**
 * Fastify and Mercurius refuse what they cannot read (a body too large, a media type no parser
 * takes, a document that does not parse or validate) with FST_ or MER_ERR_ codes and a 4xx.
 */
function fastifyRefusalStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  const refused =
    typeof code === 'string' &&
    (code.startsWith('FST_') || code.startsWith('MER_ERR_')) &&
    typeof statusCode === 'number' &&
    statusCode >= 400;
  return refused && (statusCode as number) < 500 ? (statusCode as number) : undefined;
}
