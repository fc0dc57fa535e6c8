import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTED_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a new one; stored on the request once. */
export function requestIdOf(request: Request): string {
  const holder = request as Request & { id?: string };
  if (!holder.id) {
    const given = request.headers[REQUEST_ID_HEADER];
    holder.id = typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
  }
  return holder.id;
}
