import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { TEST_TOKENS, type ApiUnderTest } from './api-under-test.js';

/** A live graphql-ws subscription that collects what it receives. */
export interface Subscription<T> {
  readonly received: T[];
  /** Errors the server sent for the subscription (it then ends). */
  readonly errors: unknown[];
  /** Resolves once the server ended the subscription: completed it, or sent errors. */
  readonly ended: Promise<void>;
  /** Resolves once the server has acknowledged the connection and the subscription started. */
  readonly ready: Promise<void>;
  /** How the connection went: acknowledged, or closed first with this code (4401, 4429, ...). */
  readonly outcome: Promise<'connected' | number>;
  /** Ends the subscription as a client does (a `complete` message); the connection stays open. */
  complete(): void;
  /** Closes the connection as a client that goes away does: no `complete` message first. */
  disconnect(): Promise<void>;
  close(): Promise<void>;
}

export function subscribe<T>(api: ApiUnderTest, query: string, token = TEST_TOKENS.read): Subscription<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let settle!: (outcome: 'connected' | number) => void;
  const outcome = new Promise<'connected' | number>((resolve) => (settle = resolve));
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const client: Client = createClient({
    url: `${api.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      // The server starts the subscription right after the ack; a short pause covers the gap.
      connected: () => {
        settle('connected');
        setTimeout(markReady, 100);
      },
      closed: (event) => settle((event as { code: number }).code),
    },
  });
  const unsubscribe = client.subscribe<T>(
    { query },
    {
      next: (message) => {
        if (message.data) received.push(message.data as T);
        if (message.errors) errors.push(...message.errors);
      },
      error: (error) => {
        errors.push(error);
        markEnded();
      },
      complete: () => markEnded(),
    },
  );
  return {
    received,
    errors,
    ended,
    ready,
    outcome,
    complete: unsubscribe,
    disconnect: async () => {
      await client.dispose();
    },
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}

/**
 * Opens a graphql-ws connection and tells how it went: acknowledged (then closed again), or
 * closed first with this code (4401, 4429, 1009, ...).
 */
export function connectionOutcome(
  api: ApiUnderTest,
  connectionParams: Record<string, unknown>,
): Promise<'connected' | number> {
  return new Promise((resolve) => {
    const client = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connected: () => {
          resolve('connected');
          void client.dispose();
        },
        closed: (event) => resolve((event as { code: number }).code),
      },
    });
  });
}
