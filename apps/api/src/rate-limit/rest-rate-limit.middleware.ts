import {
  Inject,
  Injectable,
  RequestMethod,
  type MiddlewareConsumer,
  type NestMiddleware,
} from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { RateLimitedError } from '#libs/errors';
import { REQUEST_QUOTA, type QuotaKind, type RequestQuota } from '#libs/rate-limit';
import { ChangeAudit } from '../audit/change-audit.js';
import { OPEN_ROUTES } from '../auth/auth.module.js';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { isReadMethod } from '../http/read-methods.js';

/**
 * The REST half of the per-token budgets (GraphQL counts per operation in its own plugin):
 * reads count as queries, everything else as mutations, and a refused change is audited. Runs
 * after authentication.
 */
@Injectable()
export class RestRateLimitMiddleware implements NestMiddleware {
  constructor(
    @Inject(REQUEST_QUOTA) private readonly quota: RequestQuota,
    private readonly changes: ChangeAudit,
  ) {}

  async use(request: AuthenticatedRequest, _response: Response, next: NextFunction): Promise<void> {
    const principal = request.principal;
    if (!principal) return next();
    const kind: QuotaKind = isReadMethod(request.method) ? 'query' : 'mutation';
    const decision = await this.quota.consume(principal.fingerprint, kind);
    if (!decision.allowed) {
      const change = this.changes.describeRequest(request);
      if (change) await this.changes.recordBudgetRefusal(change);
      throw new RateLimitedError(decision.retryAfterSeconds, kind === 'query' ? 'reads' : 'changes');
    }
    next();
  }
}

/** After authentication, on every authenticated route but GraphQL's. */
export function mountRestRateLimits(consumer: MiddlewareConsumer): void {
  consumer
    .apply(RestRateLimitMiddleware)
    .exclude(GRAPHQL_PATH.slice(1), ...OPEN_ROUTES)
    .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
}
