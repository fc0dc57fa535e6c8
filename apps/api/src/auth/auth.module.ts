import type { DynamicModule } from '@nestjs/common';
import { TokenAuthenticator } from '#libs/auth';
import type { ApiToken } from '#libs/auth';

/**
 * Bearer-token authentication: the authenticator the HTTP edge and the WebSocket gate ask who is
 * calling (what a caller may do is the admission chain's to decide).
 */
export class AuthModule {
  static forTokens(tokens: readonly ApiToken[]): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [{ provide: TokenAuthenticator, useValue: new TokenAuthenticator(tokens) }],
      exports: [TokenAuthenticator],
    };
  }
}
