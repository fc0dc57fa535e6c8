import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { retryAfterOf } from '#libs/errors';
import { engineMessage } from '../engine/engine-errors.js';
import { isEnginePath } from '../engine/engine-path.js';
import { pathOfTarget } from '../http/request-path.js';
import { documentErrorsOf } from './graphql-error.formatter.js';
import { requestIdOf } from './request-id.js';
import { toPublicError } from './public-error.js';

export const GRAPHQL_PATH = '/graphql';

const logger = new Logger('Errors');

/** An error answer, ready for any HTTP framework to send. */
export interface ProblemAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Every exception on an HTTP route as an RFC 9457 problem document carrying a contract code; on
 * the Engine API as the daemon's `{"message"}`; on the GraphQL endpoint (a request refused before execution: no token, an unreadable or invalid
 * document, a budget) as a GraphQL error response. The one place an HTTP error answer is written.
 */
export function problemAnswer(exception: unknown, request: FastifyRequest): ProblemAnswer {
  const requestId = requestIdOf(request.raw);
  const url = request.url;
  const path = pathOfTarget(url);
  const error = toPublicError(exception, requestId);
  if (error.unexpected) logger.error({ requestId, path, err: describe(exception) });
  const headers: Record<string, string> = { 'x-request-id': requestId };
  const retryAfter = retryAfterOf(exception);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  if (path === GRAPHQL_PATH) {
    headers['content-type'] = 'application/json; charset=utf-8';
    const errors = documentErrorsOf(exception) ?? [
      { message: error.message, extensions: { code: error.code } },
    ];
    return { status: error.status, headers, body: JSON.stringify({ errors }) };
  }
  if (isEnginePath(path)) {
    // The Engine API answers in the daemon's shape, which the docker CLI prints after
    // "Error response from daemon: ".
    headers['content-type'] = 'application/json';
    return {
      status: error.status,
      headers,
      body: JSON.stringify({ message: engineMessage(exception, error.message) }),
    };
  }
  headers['content-type'] = 'application/problem+json; charset=utf-8';
  const body = {
    type: `https://stevedore.dev/errors/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.code,
    status: error.status,
    code: error.code,
    detail: error.message,
    instance: url,
    requestId,
  };
  return { status: error.status, headers, body: JSON.stringify(body) };
}

export function sendProblem(reply: FastifyReply, answer: ProblemAnswer): void {
  // As bytes: Fastify would add a charset to a string's JSON type, which the docker CLI then
  // does not recognise as JSON.
  void reply.status(answer.status).headers(answer.headers).send(Buffer.from(answer.body));
}

/** Nest's side: every exception of an HTTP route; resolvers' errors pass on to the GraphQL formatter. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = problemAnswer(exception, request);
    if (reply.sent || reply.raw.headersSent) return undefined;
    sendProblem(reply, answer);
    return undefined;
  }
}

function describe(exception: unknown): string {
  return exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
}
