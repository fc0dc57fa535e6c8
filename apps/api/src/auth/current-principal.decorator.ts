import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Principal } from '#libs/auth';
import { UnauthenticatedError } from '#libs/errors';

/** The authenticated caller of a REST route or GraphQL operation (set by the authentication middleware). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request =
      context.getType<string>() === 'graphql'
        ? (GqlExecutionContext.create(context).getContext<{ req?: { principal?: Principal } }>().req ?? {})
        : context.switchToHttp().getRequest<{ principal?: Principal }>();
    if (!request.principal) throw new UnauthenticatedError();
    return request.principal;
  },
);

/** How the audit trail and job payloads name a caller: role and token fingerprint, never the token. */
export function callerOf(principal: Principal): string {
  return `${principal.role}:${principal.fingerprint}`;
}
