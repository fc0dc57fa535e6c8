import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { roleAllows } from '#libs/auth';
import { ForbiddenError, UnauthenticatedError } from '#libs/errors';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';

/**
 * Lets only admin tokens through. Runs after the authentication middleware (mounted by the root
 * module, so before this module's), which has already refused requests without a valid token;
 * refusals become the usual problem documents through Nest's exception filters.
 */
@Injectable()
export class AdminOnlyMiddleware implements NestMiddleware {
  use(request: AuthenticatedRequest, _response: Response, next: NextFunction): void {
    const principal = request.principal;
    if (!principal) throw new UnauthenticatedError();
    if (!roleAllows(principal.role, 'admin')) throw new ForbiddenError('admin', principal.role);
    next();
  }
}
