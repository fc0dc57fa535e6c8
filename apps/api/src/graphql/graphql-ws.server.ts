import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { graphqlWsOptions } from './graphql.options.js';
import { WebSocketGate } from './websocket-gate.js';

/** What an upgrade to any other path gets: there is no WebSocket there. */
const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n';

/**
 * graphql-ws on /graphql, served by the api itself rather than by @nestjs/graphql (whose `ws`
 * server takes no options, so frames of up to `ws`'s default 100 MiB were buffered whole before
 * any authentication):
 *
 * - a frame larger than an HTTP body may be (HTTP_BODY_LIMIT_BYTES) closes the socket with
 *   1009 as soon as its header says so, before any of it is buffered;
 * - this is the HTTP server's one `upgrade` listener: /graphql (any query string) upgrades,
 *   every other path is answered 404 and closed instead of left hanging. A WebSocket on another
 *   path would be routed here.
 */
@Injectable()
export class GraphQLWebSocketServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('GraphQLWebSocket');
  private httpServer: Server | null = null;
  private graphqlWs: Disposable | null = null;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.route(request, socket, head);
  private readonly sockets: WebSocketServer;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly gate: WebSocketGate,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: config.http.bodyLimitBytes });
  }

  /** After every module's init: the GraphQL module has built the schema by then. */
  onApplicationBootstrap(): void {
    const httpServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!httpServer) return;
    const { schema } = this.moduleRef.get(GraphQLSchemaHost, { strict: false });
    this.graphqlWs = useServer({ schema, ...graphqlWsOptions(this.gate, this.config) }, this.sockets);
    // After graphql-ws's own listener, which takes a socket's 'error' for an internal fault and
    // logs it with console.error. A server-side socket errs only when its client breaks the
    // protocol (a frame too large, bad UTF-8, an unmasked frame), and `ws` has already closed it
    // with the right code by then: one debug line, not a stack trace per bad client.
    this.sockets.on('connection', (socket) => {
      socket.removeAllListeners('error');
      socket.on('error', (error) =>
        this.log.debug({ message: 'graphql-ws socket error, closed by ws', error: error.message }),
      );
    });
    httpServer.on('upgrade', this.onUpgrade);
    this.httpServer = httpServer;
  }

  async onModuleDestroy(): Promise<void> {
    this.httpServer?.off('upgrade', this.onUpgrade);
    this.httpServer = null;
    // Closes the connections still open as going away (the shutdown's gate did that first).
    await this.graphqlWs?.dispose();
    this.graphqlWs = null;
  }

  private route(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path === GRAPHQL_PATH) {
      this.sockets.handleUpgrade(request, socket, head, (ws) => this.sockets.emit('connection', ws, request));
      return;
    }
    // Node leaves an upgraded socket without an error listener; a reset must not crash the api.
    socket.on('error', () => socket.destroy());
    socket.once('finish', () => socket.destroy());
    socket.end(NOT_FOUND);
  }
}
