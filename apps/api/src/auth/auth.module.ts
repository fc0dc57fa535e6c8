import { RequestMethod, type DynamicModule, type MiddlewareConsumer } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokenAuthenticator } from '#libs/auth';
import type { ApiToken } from '#libs/auth';
import { AuthenticationMiddleware } from './authentication.middleware.js';
import { RoleGuard } from './role.guard.js';

/** Bearer-token authentication (middleware) and role authorisation (global guard). */
export class AuthModule {
  static forTokens(tokens: readonly ApiToken[]): DynamicModule {
    return {
      module: AuthModule,
      // Global: the GraphQL module authenticates WebSocket connections with the same authenticator.
      global: true,
      providers: [
        { provide: TokenAuthenticator, useValue: new TokenAuthenticator(tokens) },
        AuthenticationMiddleware,
        { provide: APP_GUARD, useClass: RoleGuard },
      ],
      exports: [TokenAuthenticator, AuthenticationMiddleware],
    };
  }
}

/** Routes anyone may call: probes, and the API description (it holds no data). */
export const OPEN_ROUTES = ['health/{*path}', 'api/docs', 'api/docs/{*path}', 'api/docs-json', 'metrics'];

/** Puts authentication in front of every route but the open ones, GraphQL included. */
export function mountAuthentication(consumer: MiddlewareConsumer): void {
  consumer
    .apply(AuthenticationMiddleware)
    .exclude(...OPEN_ROUTES)
    .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
}
