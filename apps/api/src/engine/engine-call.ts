import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '#libs/auth';
import type { Operation } from '../operations/operation.js';
import type { EngineProgressLine } from './engine-job-stream.js';

/** One admitted Engine API request, as a handler sees it. */
export interface EngineCall {
  /**
   * The host acted on, checked: the one `/hosts/{name}/engine` names, or the only one under
   * `/engine`; undefined only for a hostless route where the fleet has several.
   */
  readonly host: string | undefined;
  /** What the route's pattern captured: the image name of `/images/{name}/json`. */
  readonly name: string;
  readonly query: URLSearchParams;
  readonly request: FastifyRequest;
  readonly principal: Principal;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/** What a handler answers; the router writes it with the daemon's headers. */
export type EngineAnswer =
  | { readonly json: unknown; readonly status?: number }
  | { readonly empty: true; readonly status: number }
  | { readonly text: string }
  /** Newline-delimited JSON, written as it comes (pull, push, load, events). */
  | { readonly lines: AsyncIterable<EngineProgressLine> }
  | { readonly tar: Readable | NodeJS.ReadableStream };

export interface EngineRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Over the daemon's path (after any `/v1.xx`); a capture group is the image name. */
  readonly path: RegExp;
  readonly operation: Operation;
  readonly handle: (call: EngineCall) => Promise<EngineAnswer>;
  /** Answered under `/engine` whatever the fleet's size (the CLI's version ping, `docker login`). */
  readonly hostless?: boolean;
}
