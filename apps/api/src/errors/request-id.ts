import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTED_ID = /^[A-Za-z0-9._-]{1,128}$/;

const currentRequest = new AsyncLocalStorage<string>();

/** The caller's X-Request-Id when it is a sane token, else a new one; stored on the request once. */
export function requestIdOf(request: IncomingMessage): string {
  const holder = request as IncomingMessage & { id?: string };
  if (!holder.id) {
    const given = request.headers[REQUEST_ID_HEADER];
    holder.id = typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
  }
  return holder.id;
}

/**
 * Keeps the request's id for code that sees no request object (the log lines' mixin, the GraphQL
 * error formatter), so an INTERNAL message repeats the id its log line carries.
 */
export function runWithRequestId(id: string, next: () => void): void {
  currentRequest.run(id, next);
}

/** The id of the HTTP request being served, if any (none on a graphql-ws connection). */
export function currentRequestId(): string | undefined {
  return currentRequest.getStore();
}
