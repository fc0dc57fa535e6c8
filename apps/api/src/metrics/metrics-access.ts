import { Inject, Injectable } from '@nestjs/common';
import { roleAllows, TokenAuthenticator } from '#libs/auth';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { ForbiddenError, UnauthenticatedError } from '#libs/errors';

/**
 * Who may read /metrics: an admin token, or METRICS_TOKEN, which is not an API token and opens
 * nothing else (so /metrics is left out of the authentication middleware and checked here).
 */
@Injectable()
export class MetricsAccess {
  /** The metrics token read like an API token: same Bearer parsing, same constant-time comparison. */
  private readonly metricsToken: TokenAuthenticator | null;

  constructor(
    private readonly apiTokens: TokenAuthenticator,
    @Inject(STEVEDORE_CONFIG) config: StevedoreConfig,
  ) {
    this.metricsToken = config.metricsToken
      ? new TokenAuthenticator([{ role: 'read', token: config.metricsToken }])
      : null;
  }

  /** Throws UNAUTHENTICATED without a known token, FORBIDDEN for an API token below admin. */
  check(authorization: string | undefined): void {
    if (this.isMetricsToken(authorization)) return;
    const principal = this.apiTokens.authenticate(authorization);
    if (!roleAllows(principal.role, 'admin')) throw new ForbiddenError('admin', principal.role);
  }

  private isMetricsToken(authorization: string | undefined): boolean {
    try {
      this.metricsToken?.authenticate(authorization);
      return this.metricsToken !== null;
    } catch (error) {
      if (error instanceof UnauthenticatedError) return false;
      throw error;
    }
  }
}
