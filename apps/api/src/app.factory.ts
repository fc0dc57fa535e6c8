import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import type { StevedoreConfig } from '#libs/config';
import { TokenAuthenticator, type ApiToken } from '#libs/auth';
import { BadUserInputError } from '#libs/errors';
import { PinoNestLogger, ROOT_LOGGER } from '#libs/logging';
import { AppModule } from './app.module.js';
import { ProblemDetailsFilter } from './errors/problem-details.filter.js';
import { asHook, useHttpEdge } from './http/http-edge.js';
import { setUpOpenApi } from './http/open-api.js';
import { acceptUploads, ApiFastifyAdapter } from './http/fastify-options.js';
import { useRequestTimeouts } from './http/request-timeouts.js';
import { useSecurityHeaders } from './http/security-headers.js';
import { RequestMetrics } from './metrics/request-metrics.js';

/** Builds the api application, ready to listen; shared by main.ts and the end-to-end tests. */
export async function createApiApp(
  config: StevedoreConfig,
  tokens: readonly ApiToken[],
  options: { logDestination?: DestinationStream; prettyLogs?: boolean } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, tokens, options),
    new ApiFastifyAdapter(config),
    { bufferLogs: true },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // In this order, before any route: each request's deadline, its security headers, then its id,
  // caller, log line and metrics.
  useRequestTimeouts(
    {
      getHttpServer: () => app.getHttpServer(),
      use: (middleware) => fastify.addHook('onRequest', asHook(middleware)),
    },
    config,
  );
  useSecurityHeaders(fastify);
  app.useLogger(app.get(PinoNestLogger));
  useHttpEdge(fastify, {
    authenticator: app.get(TokenAuthenticator),
    accessLog: app.get(ROOT_LOGGER),
    metrics: app.get(RequestMetrics),
  });
  acceptUploads(fastify);
  enableCors(app, config.http.corsOrigins);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      forbidUnknownValues: true,
      exceptionFactory: (errors) =>
        new BadUserInputError(
          errors
            .flatMap((error) => Object.values(error.constraints ?? { [error.property]: 'is invalid' }))
            .join('; '),
        ),
    }),
  );
  setUpOpenApi(app);
  return app;
}

/**
 * Closed unless origins are configured: with no CORS headers a browser page of another origin
 * cannot read any answer. Tokens travel in a header, never a cookie, so no credentials mode.
 */
function enableCors(app: INestApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.enableCors({
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'location'],
    maxAge: 600,
  });
}
