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
  const onGraphiqlPage = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: graphiqlPage().contentSecurityPolicy },
  });
  app.use((request: Request, response: Response, next: NextFunction) =>
    (isGraphiqlPageRequest(request) ? onGraphiqlPage : everywhere)(request, response, next),
  );
}
