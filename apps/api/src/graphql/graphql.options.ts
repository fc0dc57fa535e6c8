import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { StevedoreConfig } from '#libs/config';
import type { FastifyRequest } from 'fastify';
import { formatGraphQLError } from '../errors/graphql-error.formatter.js';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { queryLimitRules, validateWithLimits } from './query-limits.js';
import type { AdmissionChain } from '../operations/admission-chain.js';
import { admissionPlugin } from './admission.plugin.js';
import type { SocketExtra, WebSocketGate } from './websocket-gate.js';

/** Apollo on Express: code-first schema kept in memory (schema.gql is emitted by `npm run schema`). */
export function graphqlOptions(config: StevedoreConfig, chain: AdmissionChain): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    introspection: config.graphql.introspection,
    // Apollo's and Nest's landing pages load from CDNs; the IDE module serves an offline one.
    graphiql: false,
    playground: false,
    autoTransformHttpErrors: false,
    includeStacktraceInErrorResponses: false,
    formatError: formatGraphQLError,
    validationRules: queryLimitRules(config.graphql),
    plugins: [
      admissionPlugin(chain),
      // No answer is cached by HTTP caches (each depends on its caller's token); the plugin would
      // otherwise wrap every resolver of every request to compute a cache policy nobody reads.
      ApolloServerPluginCacheControlDisabled(),
    ],
    // No `subscriptions`: graphql-ws runs on GraphQLWebSocketServer, with graphqlWsOptions.
    // Apollo's Fastify integration hands the context function Fastify's request.
    context: (req: FastifyRequest) => ({ req }),
  };
}

/**
 * graphql-ws's options on /graphql (GraphQLWebSocketServer serves them, with the schema).
 * Apollo's validation rules and plugins do not run there: graphql-ws applies the same limits,
 * and the gate the same authentication and admission; the connection carries the principal.
 */
export function graphqlWsOptions(gate: WebSocketGate, config: StevedoreConfig) {
  return {
    validate: validateWithLimits(config.graphql),
    ...gate.hooks(),
    context: ({ extra }: { extra: unknown }) => ({ req: { principal: (extra as SocketExtra).principal } }),
  };
}
