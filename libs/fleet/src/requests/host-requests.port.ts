import type { ImageChangeCommand, ImageChangeOutcome } from '#libs/image-changes';

/** Nest injection token of the HostRequests. */
export const HOST_REQUESTS = Symbol('HostRequests');

/** An agent's answer to a change: what happened, and the catalogue version that shows it. */
export interface HostAnswer {
  readonly version: number;
  readonly outcome: ImageChangeOutcome;
}

/**
 * Changes to a host's images as requests to its agent, with a deadline: a request the agent has
 * not started by then is dropped, never run late, so a caller that gave up knows it was not made.
 */
export interface HostRequests {
  /**
   * Api side: sends `command` to the host's agent and resolves with its answer. Rejects with the
   * agent's domain error as the agent met it, or HOST_OFFLINE when no answer came in `timeoutMs`.
   */
  send(host: string, command: ImageChangeCommand, timeoutMs: number): Promise<HostAnswer>;
  /** Agent side: runs `handle` on each request for `host` until `signal` aborts. */
  serve(
    host: string,
    handle: (command: ImageChangeCommand) => Promise<HostAnswer>,
    signal: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}
