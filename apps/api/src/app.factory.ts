import { ValidationPipe, type ConsoleLogger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { jsonLogger, type ApiToken, type StevedoreConfig } from '#libs/config';
import { BadUserInputError } from '#libs/errors';
import { AppModule } from './app.module.js';
import { ProblemDetailsFilter } from './errors/problem-details.filter.js';

/** Builds the api application, ready to listen; shared by main.ts and the end-to-end tests. */
export async function createApiApp(
  config: StevedoreConfig,
  tokens: readonly ApiToken[],
  options: { logger?: ConsoleLogger | false } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, tokens), {
    logger: options.logger ?? jsonLogger(config.logLevel),
  });
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
  app.enableShutdownHooks();
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Stevedore')
      .setDescription('Docker image management: the REST mirror of the GraphQL API at /graphql.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // swagger-ui is served from the installed swagger-ui-dist package: no CDN.
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
