import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RateLimitModule } from '#libs/rate-limit';
import { AdmissionChain } from './admission-chain.js';
import { OperationCoverage } from './operation-coverage.js';

/**
 * The admission chain, run around every REST handler and GraphQL root field by the interceptor
 * that `@Serves` puts on it, and used by the GraphQL transports to budget whole documents; with
 * the boot check that nothing escapes it (every route but the open ones serves a declaration). Global, for the GraphQL module's options and the WebSocket gate.
 */
@Global()
@Module({
  imports: [RateLimitModule, DiscoveryModule],
  providers: [AdmissionChain, OperationCoverage],
  exports: [AdmissionChain],
})
export class AdmissionModule {}
