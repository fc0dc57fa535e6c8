import { Module } from '@nestjs/common';
import { RateLimitModule } from '#libs/rate-limit';
import { WebSocketGate } from './websocket-gate.js';

/** The graphql-ws door, one per api: the GraphQL options use it, the shutdown closes it. */
@Module({
  imports: [RateLimitModule],
  providers: [WebSocketGate],
  exports: [WebSocketGate],
})
export class WebSocketGateModule {}
