import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GraphqlAnswer<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly GraphqlError[];
}

/** One GraphQL operation over HTTP (POST /graphql). Transport failures throw. */
export async function postGraphql<T>(
  baseUrl: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<GraphqlAnswer<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { data?: T | null; errors?: GraphqlError[] };
    return { status: response.status, data: parsed.data, errors: parsed.errors };
  } catch {
    return { status: response.status, errors: [{ message: `not JSON: ${text.slice(0, 300)}` }] };
  }
}

export function errorText(errors: readonly unknown[] | undefined): string {
  return (errors ?? [])
    .map((error) => {
      if (error instanceof Error) return error.message;
      if (typeof error === 'object' && error !== null && 'message' in error) {
        const { message, extensions } = error as GraphqlError;
        return extensions?.code ? `${message} [${extensions.code}]` : String(message);
      }
      // graphql-ws hands a CloseEvent to error() when the socket closes.
      if (typeof error === 'object' && error !== null && 'code' in error) {
        const { code, reason } = error as { code: number; reason?: string };
        return `socket closed ${code} ${reason ?? ''}`.trim();
      }
      return String(error);
    })
    .join('; ');
}

/** A graphql-ws connection that has been acknowledged (connection_ack) by the server. */
export interface WsConnection {
  readonly client: Client;
  close(): Promise<void>;
}

/** Opens a graphql-ws connection and waits for the server's connection_ack. */
export function connectGraphqlWs(baseUrl: string, token: string, timeoutMs = 15_000): Promise<WsConnection> {
  return new Promise<WsConnection>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void client.dispose();
      reject(new Error(`graphql-ws connection: ${reason}`));
    };
    const client: Client = createClient({
      url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: (error) => fail(errorText([error])),
      on: {
        connected: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ client, close: async () => await client.dispose() });
        },
        closed: (event) => fail(errorText([event])),
      },
    });
    const timer = setTimeout(() => fail(`no connection_ack within ${timeoutMs} ms`), timeoutMs);
  });
}

export interface TimedMessage<T> {
  /** Date.now() when the message arrived (comparable with Redis's and the api's clocks). */
  readonly at: number;
  /** performance.now() when it arrived. */
  readonly mono: number;
  readonly data: T;
}

/** A subscription that keeps every message with its arrival time. */
export interface RecordedSubscription<T> {
  readonly messages: TimedMessage<T>[];
  readonly errors: string[];
  /** Resolves when the server completes the subscription or it errors. */
  readonly ended: Promise<void>;
  /** Date.now() when the subscription completed without error (the server's `complete`), else undefined. */
  completedAt(): number | undefined;
  /** Unsubscribes (if still running). */
  stop(): void;
}

export function recordSubscription<T>(
  connection: WsConnection,
  query: string,
  variables: Record<string, unknown>,
  onMessage?: (message: TimedMessage<T>) => void,
): RecordedSubscription<T> {
  const messages: TimedMessage<T>[] = [];
  const errors: string[] = [];
  let completedAt: number | undefined;
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const unsubscribe = connection.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        const at = Date.now();
        const mono = performance.now();
        if (result.errors?.length) errors.push(errorText(result.errors));
        if (result.data) {
          const message = { at, mono, data: result.data as T };
          messages.push(message);
          onMessage?.(message);
        }
      },
      error: (error) => {
        errors.push(errorText([error]));
        markEnded();
      },
      complete: () => {
        completedAt ??= Date.now();
        markEnded();
      },
    },
  );
  return { messages, errors, ended, completedAt: () => completedAt, stop: unsubscribe };
}
