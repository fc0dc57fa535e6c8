import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import { PUBLIC_ROUTE, REQUIRED_ROLE, roleAllows } from '#libs/auth';
import type { Role } from '#libs/config';
import { ForbiddenError, UnauthenticatedError } from '#libs/errors';
import type { AuthenticatedRequest } from './authentication.middleware.js';

/**
 * Authorisation for REST handlers and GraphQL resolvers. The role comes from @RequiresRole;
 * without it, reading needs `read` and anything that changes state needs `write`, so a
 * forgotten decorator never opens a mutation to a read-only token.
 */
@Injectable()
export class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const { request, changesState } = this.describe(context);
    const principal = request?.principal;
    if (!principal) throw new UnauthenticatedError();
    const required =
      this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? (changesState ? 'write' : 'read');
    if (!roleAllows(principal.role, required)) throw new ForbiddenError(required, principal.role);
    return true;
  }

  private describe(context: ExecutionContext): { request?: AuthenticatedRequest; changesState: boolean } {
    if (context.getType<GqlContextType>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      const { req } = gql.getContext<{ req?: AuthenticatedRequest }>();
      return { request: req, changesState: gql.getInfo().operation.operation === 'mutation' };
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return { request, changesState: !['GET', 'HEAD', 'OPTIONS'].includes(request.method) };
  }
}
