import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { TEST_TOKENS, type ApiUnderTest } from './api-under-test.js';

/** A live graphql-ws subscription that collects what it receives. */
export interface Subscription<T> {
  readonly received: T[];
  /** Errors the server sent for the subscription (it then ends). */
  readonly errors: unknown[];
  /** Resolves once the server has acknowledged the connection and the subscription started. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function subscribe<T>(api: ApiUnderTest, query: string, token = TEST_TOKENS.read): Subscription<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const client: Client = createClient({
    url: `${api.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    // The server starts the subscription right after the ack; a short pause covers the gap.
    on: { connected: () => void setTimeout(markReady, 100) },
  });
  const unsubscribe = client.subscribe<T>(
    { query },
    {
      next: (message) => {
        if (message.data) received.push(message.data as T);
        if (message.errors) errors.push(...message.errors);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    received,
    errors,
    ready,
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}
