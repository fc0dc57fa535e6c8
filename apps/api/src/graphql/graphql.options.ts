import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { StevedoreConfig } from '#libs/config';
import { formatExecution } from '../errors/graphql-error.formatter.js';
import { GRAPHQL_PATH, problemAnswer, sendProblem } from '../errors/problem-details.filter.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionChain } from '../operations/admission-chain.js';
import { admissionHook } from './admission.hook.js';
import { parsedDocumentsOnly } from './parsed-documents-only.hook.js';
import { queryLimitRules, validateWithLimits } from './query-limits.js';
import type { SocketExtra, WebSocketGate } from './websocket-gate.js';

/**
 * GraphQL over HTTP: Mercurius on Fastify, the code-first schema kept in memory (schema.gql is
 * emitted by `npm run schema`). Documents run compiled by graphql-jit from their second request
 * on (issue 12 measured the images query at less than half its cost with Apollo). Requests
 * refused before execution (unreadable, invalid, too complex, over budget) are answered as every
 * HTTP refusal is (`problemAnswer`); errors of an execution go through `formatExecution`.
 */
export function graphqlOptions(config: StevedoreConfig, chain: AdmissionChain): MercuriusDriverConfig {
  return {
    driver: MercuriusDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    // The IDE module serves an offline GraphiQL page of its own.
    graphiql: false,
    jit: 1,
    validationRules: [
      ...queryLimitRules(config.graphql),
      ...(config.graphql.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ],
    errorHandler: answerRefusedDocument,
    errorFormatter: formatExecution,
    hooks: { preValidation: parsedDocumentsOnly, preExecution: admissionHook(chain) },
    // No `subscription`: graphql-ws runs on GraphQLWebSocketServer, with graphqlWsOptions.
  };
}

/**
 * graphql-ws's options on /graphql (GraphQLWebSocketServer serves them, with the schema).
 * Mercurius's hooks do not run there: graphql-ws applies the same limits, and the gate the same
 * authentication and admission; the connection carries the principal.
 */
export function graphqlWsOptions(gate: WebSocketGate, config: StevedoreConfig) {
  return {
    validate: validateWithLimits(config.graphql),
    ...gate.hooks(),
    context: ({ extra }: { extra: unknown }) => ({ req: { principal: (extra as SocketExtra).principal } }),
  };
}

/** Mercurius's routes are a Fastify context of their own: Nest's error handler does not reach them. */
export function answerRefusedDocument(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, problemAnswer(error, request));
}
