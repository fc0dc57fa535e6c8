import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { TokenAuthenticator, type Principal } from '#libs/auth';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * Authenticates every request it is mounted on (all routes but health and docs), before any
 * handler or GraphQL execution runs, so even an introspection query needs a token.
 */
@Injectable()
export class AuthenticationMiddleware implements NestMiddleware {
  constructor(private readonly authenticator: TokenAuthenticator) {}

  use(request: AuthenticatedRequest, _response: Response, next: NextFunction): void {
    request.principal = this.authenticator.authenticate(request.headers.authorization);
    next();
  }
}
