import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { graphqlMarksOf } from '../graphql/request-marks.js';
import { RequestMetrics } from './request-metrics.js';

/** The operation label of a request that failed before its operation was known (parse, validation). */
const UNKNOWN_OPERATION = 'unknown';

/**
 * Times GraphQL operations over HTTP by type and outcome, from the request's arrival to its
 * answer; graphql-ws subscriptions are not HTTP requests and are not timed here.
 */
@Injectable()
export class GraphQLMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: RequestMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.url === GRAPHQL_PATH && request.method !== 'OPTIONS') {
        const marks = graphqlMarksOf(request);
        // A document refused before execution has no operation; its answer is not 200.
        const failed = reply.statusCode >= 400 || marks.answeredWithErrors === true;
        this.metrics.graphql.observe(
          { operation: marks.operationType ?? UNKNOWN_OPERATION, outcome: failed ? 'error' : 'ok' },
          reply.elapsedTime / 1000,
        );
      }
      done();
    });
  }
}
