import { Injectable, Logger, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketGate } from '../graphql/websocket-gate.js';

/**
 * Told to streams that never end on their own (Server-Sent Events), so they finish cleanly
 * when the api shuts down instead of holding it up until the grace period is over.
 */
@Injectable()
export class ShutdownSignal {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  trigger(): void {
    this.controller.abort();
  }
}

/**
 * Stops the api in the order that loses nothing: stop accepting connections; close graphql-ws
 * connections as "going away" and end event streams; let in-flight requests finish, for at most
 * `graceMs`, then cut what is left; only then close Redis, the daemon's event stream and the rest
 * (Nest's own close runs module teardown before it stops the HTTP server).
 */
export async function shutDownGracefully(app: INestApplication, graceMs: number): Promise<void> {
  const log = new Logger('Shutdown');
  const server = app.getHttpServer() as Server;
  const started = Date.now();
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  const sockets = app.get(WebSocketGate, { strict: false }).closeAll();
  app.get(ShutdownSignal, { strict: false }).trigger();
  log.log({ message: 'draining', websocketsClosed: sockets, graceMs });

  const timedOut = await Promise.race([drained.then(() => false), sleep(graceMs, true, { ref: false })]);
  if (timedOut) {
    log.warn({ message: 'grace period over: closing the connections still open', graceMs });
    server.closeAllConnections();
  }
  await app.close();
  log.log({ message: 'stopped', ms: Date.now() - started });
}
