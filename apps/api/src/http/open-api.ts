import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The REST mirror's OpenAPI document at /api/docs-json, and swagger-ui at /api/docs. */
export function setUpOpenApi(app: INestApplication): void {
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
