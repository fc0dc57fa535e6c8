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
      .setLicense('MIT', 'https://spdx.org/licenses/MIT.html')
      // Relative: the document works behind whatever host, port and scheme serve it.
      .addServer('/')
      .addBearerAuth()
      // Every operation needs an API token unless it says otherwise (the health probes).
      .addSecurityRequirements('bearer')
      .addTag('images', 'Local images: list, inspect, export, tag, rename, remove and prune')
      .addTag('storage', 'Layers on the host and the disk space images take')
      .addTag('jobs', 'Queued pulls, pushes and imports, followed by polling or Server-Sent Events')
      .addTag('audit', 'The record of every change made through the service')
      .addTag('health', 'Liveness and readiness probes for orchestrators')
      .addTag('operations', 'Prometheus metrics')
      .build(),
  );
  // swagger-ui is served from the installed swagger-ui-dist package: no CDN.
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
