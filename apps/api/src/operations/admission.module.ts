import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { RateLimitModule } from '#libs/rate-limit';
import { AdmissionChain } from './admission-chain.js';
import { AdmissionInterceptor } from './admission.interceptor.js';
import { OperationCoverage } from './operation-coverage.js';

/**
 * The admission chain, run around every REST handler and GraphQL root field by a global
 * interceptor and used by the GraphQL transports to budget whole documents; with the boot check
 * that nothing escapes it. Global, for the GraphQL module's options and the WebSocket gate.
 */
@Global()
@Module({
  imports: [RateLimitModule, DiscoveryModule],
  providers: [
    AdmissionChain,
    { provide: APP_INTERCEPTOR, useClass: AdmissionInterceptor },
    OperationCoverage,
  ],
  exports: [AdmissionChain],
})
export class AdmissionModule {}
