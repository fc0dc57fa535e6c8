import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { printSchema, lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { AuditResolver } from '../audit/audit.resolver.js';
import { FleetResolver } from '../fleet/fleet.resolver.js';
import { ImageChangesResolver } from '../images/image-changes.resolver.js';
import { ImageEventsResolver } from '../images/image-events.resolver.js';
import { ImagesResolver } from '../images/images.resolver.js';
import { LayersResolver } from '../images/layers.resolver.js';
import { JobsResolver } from '../jobs/jobs.resolver.js';
import {
  RegistriesResolver,
  RemoteTagResolver,
  RepositoryResolver,
} from '../registries/registries.resolver.js';
import { ImageUpdatesResolver } from '../registries/updates/image-updates.resolver.js';
import { WebhooksResolver } from '../webhooks/webhooks.resolver.js';

/** Every resolver class of the api; the e2e suite checks the running service serves exactly this schema. */
export const GRAPHQL_RESOLVERS = [
  ImagesResolver,
  LayersResolver,
  ImageEventsResolver,
  JobsResolver,
  AuditResolver,
  ImageChangesResolver,
  RegistriesResolver,
  RepositoryResolver,
  RemoteTagResolver,
  ImageUpdatesResolver,
  FleetResolver,
  WebhooksResolver,
];

/** The code-first schema, built without starting the service (no Docker, no Redis). */
export async function buildSchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    await app.init();
    const schema = await app.get(GraphQLSchemaFactory).create(GRAPHQL_RESOLVERS);
    return lexicographicSortSchema(schema);
  } finally {
    await app.close();
  }
}

export async function printBuiltSchema(): Promise<string> {
  return `${printSchema(await buildSchema())}\n`;
}
