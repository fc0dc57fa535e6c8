import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { getOperationAST, parse, type DocumentNode, type GraphQLError } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { TokenAuthenticator, type Principal } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DomainError } from '#libs/errors';
import { AdmissionChain } from '../operations/admission-chain.js';
import { documentCall } from './document-operations.js';
import { socketRefusal } from './operation-refusal.js';

/** What graphql-ws keeps per connection: the socket, and who authenticated in connection_init. */
export type SocketExtra = { socket: WebSocket; principal?: Principal; counted?: boolean };
type SocketContext = Context<Record<string, unknown> | undefined, unknown>;

/** Close codes (4000-4999 are the application's): no valid token; too many connections. */
export const WS_UNAUTHORIZED = 4401;
export const WS_TOO_MANY_CONNECTIONS = 4429;
/** RFC 6455 "going away": the server is shutting down; a client reconnects elsewhere. */
export const WS_GOING_AWAY = 1001;

/**
 * HTTP hooks and Mercurius's hooks never see a WebSocket's messages, so graphql-ws connections
 * get their own door: a token in connection_init, a bound on connections per token and on live
 * subscriptions per connection, and each operation through the admission chain's budget, as
 * over HTTP (root fields are then admitted as they run). Connection counts are per api replica.
 */
@Injectable()
export class WebSocketGate {
  private readonly connectionsPerToken = new Map<string, number>();
  private readonly sockets = new Set<WebSocket>();
  private readonly limits: StevedoreConfig['websocket'];
  private closing = false;

  constructor(
    private readonly authenticator: TokenAuthenticator,
    @Inject(STEVEDORE_CONFIG) config: StevedoreConfig,
    private readonly chain: AdmissionChain,
    private readonly moduleRef: ModuleRef,
  ) {
    this.limits = config.websocket;
  }

  /** Closes every connection as going away, and admits no more: for a graceful shutdown. */
  closeAll(): number {
    this.closing = true;
    for (const socket of this.sockets) socket.close(WS_GOING_AWAY, 'Server shutting down');
    return this.sockets.size;
  }

  /** graphql-ws options: spread into the `graphql-ws` subscription config. */
  hooks() {
    return {
      onConnect: (context: SocketContext) => this.admit(context),
      onSubscribe: (context: SocketContext, _id: string, payload: SubscribePayload) =>
        this.check(context, payload),
      onClose: (context: SocketContext) => this.release(context),
    };
  }

  private admit(context: SocketContext): boolean {
    const extra = context.extra as SocketExtra;
    if (this.closing) {
      extra.socket.close(WS_GOING_AWAY, 'Server shutting down');
      return false;
    }
    let principal: Principal;
    try {
      principal = this.authenticator.authenticate(String(context.connectionParams?.authorization ?? ''));
    } catch {
      extra.socket.close(WS_UNAUTHORIZED, 'Unauthorized');
      return false;
    }
    const open = this.connectionsPerToken.get(principal.fingerprint) ?? 0;
    if (open >= this.limits.maxConnectionsPerToken) {
      extra.socket.close(
        WS_TOO_MANY_CONNECTIONS,
        `Too many connections for this token (at most ${this.limits.maxConnectionsPerToken})`,
      );
      return false;
    }
    this.connectionsPerToken.set(principal.fingerprint, open + 1);
    this.sockets.add(extra.socket);
    extra.principal = principal;
    extra.counted = true;
    return true;
  }

  private release(context: SocketContext): void {
    const extra = context.extra as SocketExtra;
    this.sockets.delete(extra.socket);
    if (!extra.counted || !extra.principal) return;
    extra.counted = false;
    const left = (this.connectionsPerToken.get(extra.principal.fingerprint) ?? 1) - 1;
    if (left > 0) this.connectionsPerToken.set(extra.principal.fingerprint, left);
    else this.connectionsPerToken.delete(extra.principal.fingerprint);
  }

  /** Undefined lets graphql-ws go on (parse, validate with limits, execute); errors refuse. */
  private async check(
    context: SocketContext,
    payload: SubscribePayload,
  ): Promise<GraphQLError[] | undefined> {
    const extra = context.extra as SocketExtra;
    // graphql-ws has already registered this subscription when it asks.
    const live = Object.keys(context.subscriptions).length;
    if (live > this.limits.maxSubscriptionsPerConnection) {
      return [
        socketRefusal(
          new DomainError(
            'RATE_LIMITED',
            `Too many subscriptions on this connection (at most ${this.limits.maxSubscriptionsPerConnection}).`,
          ),
        ),
      ];
    }
    const document = parsed(payload.query);
    const operation = document && getOperationAST(document, payload.operationName ?? undefined);
    // A document that does not parse or names no operation is left to graphql-ws to refuse.
    if (!document || !operation) return undefined;
    // The schema exists by the time a socket can subscribe (it is built before the app listens).
    const { schema } = this.moduleRef.get(GraphQLSchemaHost, { strict: false });
    try {
      await this.chain.budget(
        documentCall(schema, operation, document, payload.variables ?? undefined, extra.principal),
      );
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) return [socketRefusal(error)];
      throw error;
    }
  }
}

function parsed(query: string): DocumentNode | undefined {
  try {
    return parse(query);
  } catch {
    return undefined;
  }
}
