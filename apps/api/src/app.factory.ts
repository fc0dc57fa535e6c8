import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import type { StevedoreConfig } from '#libs/config';
import type { ApiToken } from '#libs/auth';
import { BadUserInputError } from '#libs/errors';
import { PinoNestLogger, ROOT_LOGGER } from '#libs/logging';
import { AppModule } from './app.module.js';
import { ProblemDetailsFilter } from './errors/problem-details.filter.js';
import { withRequestId } from './errors/request-id.js';
import { accessLog } from './http/access-log.js';
import { setUpOpenApi } from './http/open-api.js';
import { useRequestTimeouts } from './http/request-timeouts.js';
import { useSecurityHeaders } from './http/security-headers.js';

/** Builds the api application, ready to listen; shared by main.ts and the end-to-end tests. */
export async function createApiApp(
  config: StevedoreConfig,
  tokens: readonly ApiToken[],
  options: { logDestination?: DestinationStream; prettyLogs?: boolean } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, tokens, options),
    // Body parsers are registered below, with the configured size limit.
    { bufferLogs: true, bodyParser: false },
  );
  // First: the body parsers wait for the whole body before the next middleware runs.
  useRequestTimeouts(app, config);
  useSecurityHeaders(app);
  app.useLogger(app.get(PinoNestLogger));
  app.use(accessLog(app.get(ROOT_LOGGER)));
  app.use(withRequestId);
  app.useBodyParser('json', { limit: config.http.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimitBytes, extended: true });
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
