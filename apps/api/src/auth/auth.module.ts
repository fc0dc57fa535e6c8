import { RequestMethod, type DynamicModule, type MiddlewareConsumer } from '@nestjs/common';
import { TokenAuthenticator } from '#libs/auth';
import type { ApiToken } from '#libs/auth';
import { AuthenticationMiddleware } from './authentication.middleware.js';

/** Bearer-token authentication: the middleware that finds who is calling (roles are the admission chain's). */
export class AuthModule {
  static forTokens(tokens: readonly ApiToken[]): DynamicModule {
    return {
      module: AuthModule,
      // Global: the GraphQL module authenticates WebSocket connections with the same authenticator.
      global: true,
      providers: [
        { provide: TokenAuthenticator, useValue: new TokenAuthenticator(tokens) },
        AuthenticationMiddleware,
      ],
      exports: [TokenAuthenticator, AuthenticationMiddleware],
    };
  }
}

/**
 * Routes anyone may call: probes, the API description (it holds no data) and metrics (which
 * checks its own token). The only list of them: every other route serves a declared operation.
 */
export const OPEN_ROUTES = ['health/{*path}', 'api/docs', 'api/docs/{*path}', 'api/docs-json', 'metrics'];

/** Puts authentication in front of every route but the open ones, GraphQL included. */
export function mountAuthentication(consumer: MiddlewareConsumer): void {
  consumer
    .apply(AuthenticationMiddleware)
    .exclude(...OPEN_ROUTES)
    .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
}
