import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import { roleAllows } from '#libs/auth';
import { PUBLIC_ROUTE, REQUIRED_ROLE, type RoleRequirement } from './auth.decorators.js';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { ForbiddenError, UnauthenticatedError } from '#libs/errors';
import { ChangeAudit } from '../audit/change-audit.js';
import { isReadMethod } from '../http/read-methods.js';
import type { AuthenticatedRequest } from './authentication.middleware.js';

/**
 * Authorisation for REST handlers and GraphQL resolvers. The role comes from @RequiresRole;
 * without it, reading needs `read` and anything that changes state needs `write`, so a
 * forgotten decorator never opens a mutation to a read-only token. A refused change is audited.
 */
@Injectable()
export class RoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly changes: ChangeAudit,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const { request, changesState } = this.describe(context);
    const principal = request?.principal;
    if (!principal) throw new UnauthenticatedError();
    const requirement = this.reflector.getAllAndOverride<RoleRequirement | undefined>(REQUIRED_ROLE, targets);
    const required =
      typeof requirement === 'function'
        ? requirement(this.config)
        : (requirement ?? (changesState ? 'write' : 'read'));
    if (roleAllows(principal.role, required)) return true;
    const change = this.changes.describe(context);
    if (change) await this.changes.record(change, 'FORBIDDEN');
    throw new ForbiddenError(required, principal.role);
  }

  private describe(context: ExecutionContext): { request?: AuthenticatedRequest; changesState: boolean } {
    if (context.getType<GqlContextType>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      const { req } = gql.getContext<{ req?: AuthenticatedRequest }>();
      return { request: req, changesState: gql.getInfo().operation.operation === 'mutation' };
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return { request, changesState: !isReadMethod(request.method) };
  }
}
