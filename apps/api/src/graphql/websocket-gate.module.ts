import { Module } from '@nestjs/common';
import { GraphQLWebSocketServer } from './graphql-ws.server.js';
import { WebSocketGate } from './websocket-gate.js';

/**
 * The graphql-ws door, one per api: the server on /graphql (and the 404 for upgrades elsewhere)
 * runs every connection through the gate; the shutdown closes them.
 */
@Module({
  providers: [WebSocketGate, GraphQLWebSocketServer],
  exports: [WebSocketGate],
})
export class WebSocketGateModule {}
