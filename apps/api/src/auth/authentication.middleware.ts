import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { TokenAuthenticator, type Principal } from '#libs/auth';
import { isAnonymousGraphiqlPageRequest } from '../graphql/ide/graphiql-page-request.js';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * Authenticates every request it is mounted on (all routes but health and docs), before any
 * handler or GraphQL execution runs, so even an introspection query needs a token. The one
 * exception on /graphql is a browser's bare GET of the IDE page, which carries no operation and
 * cannot carry a token; the IDE then sends the token its user enters with every operation.
 */
@Injectable()
export class AuthenticationMiddleware implements NestMiddleware {
  constructor(private readonly authenticator: TokenAuthenticator) {}

  use(request: AuthenticatedRequest, _response: Response, next: NextFunction): void {
    if (!isAnonymousGraphiqlPageRequest(request)) {
      request.principal = this.authenticator.authenticate(request.headers.authorization);
    }
    next();
  }
}
