import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { isGraphiqlPageRequest } from '../graphql/ide/graphiql-page-request.js';
import { graphiqlPage } from '../graphql/ide/graphiql-page.js';

/**
 * helmet's headers on every HTTP response (nosniff, frame and referrer policies, HSTS,
 * cross-origin policies, a Content-Security-Policy), mounted before any route. The CSP is
 * helmet's strict default (scripts from the service itself only: swagger-ui at /api/docs loads
 * its scripts that way) but for `upgrade-insecure-requests`, which would send the pages' own
 * scripts and styles to https:// when the service is reached over plain http. The GraphiQL page
 * gets the policy it declares: its two inline scripts by hash, Monaco's blob workers, graphql-ws.
 */
export function useSecurityHeaders(app: INestApplication): void {
  const everywhere = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  // Built with the page, on its first request (the page's script hashes are its CSP).
  let onGraphiqlPage: Promise<ReturnType<typeof helmet>> | undefined;
  const graphiqlPageHeaders = () =>
    (onGraphiqlPage ??= graphiqlPage().then((page) =>
      helmet({ contentSecurityPolicy: { useDefaults: false, directives: page.contentSecurityPolicy } }),
    ));
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!isGraphiqlPageRequest(request)) return everywhere(request, response, next);
    graphiqlPageHeaders().then(
      (headers) => headers(request, response, next),
      (error: unknown) => next(error),
    );
  });
}
