import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimitedError } from '#libs/errors';
import { requestIdOf } from './request-id.js';
import { toPublicError } from './public-error.js';

export const GRAPHQL_PATH = '/graphql';

/**
 * Turns every exception on an HTTP route into an RFC 9457 problem document carrying a contract
 * code; on the GraphQL endpoint (failures before Apollo runs, such as authentication) into a
 * GraphQL error response. GraphQL resolver errors pass through to the Apollo formatter.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return exception;
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const requestId = requestIdOf(request);
    const error = toPublicError(exception, requestId);
    if (error.unexpected) this.logger.error({ requestId, path: request.path, err: describe(exception) });
    if (response.headersSent) return undefined;

    response.setHeader('x-request-id', requestId);
    if (exception instanceof RateLimitedError) {
      response.setHeader('retry-after', String(exception.retryAfterSeconds));
    }
    if (request.path === GRAPHQL_PATH) {
      response
        .status(error.status)
        .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
      return undefined;
    }
    response
      .status(error.status)
      .type('application/problem+json')
      .json({
        type: `https://stevedore.dev/errors/${error.code.toLowerCase().replaceAll('_', '-')}`,
        title: error.code,
        status: error.status,
        code: error.code,
        detail: error.message,
        instance: request.originalUrl,
        requestId,
      });
    return undefined;
  }
}

function describe(exception: unknown): string {
  return exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
}
