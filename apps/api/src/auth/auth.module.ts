import { type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokenAuthenticator } from '#libs/auth';
import type { ApiToken } from '#libs/config';
import { AuthenticationMiddleware } from './authentication.middleware.js';
import { RoleGuard } from './role.guard.js';

/** Bearer-token authentication (middleware) and role authorisation (global guard). */
export class AuthModule {
  static forTokens(tokens: readonly ApiToken[]): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TokenAuthenticator, useValue: new TokenAuthenticator(tokens) },
        AuthenticationMiddleware,
        { provide: APP_GUARD, useClass: RoleGuard },
      ],
      exports: [TokenAuthenticator, AuthenticationMiddleware],
    };
  }
}
