import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { formatGraphQLError } from '../errors/graphql-error.formatter.js';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';

/** Apollo on Express: code-first schema kept in memory (schema.gql is emitted by `npm run schema`). */
export function graphqlOptions(): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    introspection: true,
    // The offline IDE is its own piece of work; Apollo's landing pages load from CDNs.
    graphiql: false,
    autoTransformHttpErrors: false,
    includeStacktraceInErrorResponses: false,
    formatError: formatGraphQLError,
    context: ({ req }: { req: unknown }) => ({ req }),
  };
}
