import type { FastifyRequest } from 'fastify';

/** What a GraphQL request over HTTP learns on the way, kept on it for its metrics. */
export interface GraphqlRequestMarks {
  /** query, mutation or subscription, once the document is known to be valid. */
  operationType?: string;
  /** The execution answered with errors (a 200 with `errors`). */
  answeredWithErrors?: boolean;
}

const MARKS = Symbol('graphqlRequestMarks');

export function graphqlMarksOf(request: FastifyRequest): GraphqlRequestMarks {
  const holder = request as FastifyRequest & { [MARKS]?: GraphqlRequestMarks };
  return (holder[MARKS] ??= {});
}
