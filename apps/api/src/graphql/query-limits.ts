import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, specifiedRules, validate, type ValidationContext, type ValidationRule } from 'graphql';

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

export interface QueryLimits {
  /** Deepest selection an operation may have. */
  readonly maxDepth: number;
  /** Highest static cost: 2 per object field, 1 per scalar field (GraphQL Armor's count, unweighted by depth). */
  readonly maxCost: number;
  /** Most aliases in one document: each aliased field runs once more, mutations included. */
  readonly maxAliases: number;
}

/**
 * Validation rules that refuse an operation over the depth, cost or alias limit before it runs, with
 * the contract's QUERY_TOO_COMPLEX. Introspection is not counted (IDEs send deep ones).
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  const reject = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
        nodes: error.nodes,
        extensions: { code: QUERY_TOO_COMPLEX },
      }),
    );
  const common = {
    propagateOnRejection: false,
    onReject: [reject],
    ignoreIntrospection: true,
    exposeLimits: true,
  };
  return [
    maxDepthRule({ ...common, n: limits.maxDepth }),
    // Armor's default weighs each level 1.5x the one above, so a plain image query with its tags
    // and config costs tens of thousands; counting fields plainly (times `first`) stays legible.
    costLimitRule({ ...common, maxCost: limits.maxCost, depthCostFactor: 1 }),
    maxAliasesRule({ ...common, n: limits.maxAliases }),
  ];
}

/**
 * graphql-ws validates subscriptions itself, without Mercurius's validation rules: this validate
 * applies the same limits there.
 */
export function validateWithLimits(limits: QueryLimits): typeof validate {
  const rules = [...specifiedRules, ...queryLimitRules(limits)];
  return (schema, document) => validate(schema, document, rules);
}

/** A query-limit rule's error, however deep a framework wrapped it. */
export function isQueryTooComplex(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if ((current as GraphQLError).extensions?.code === QUERY_TOO_COMPLEX) return true;
    current = (current as GraphQLError).originalError;
  }
  return false;
}
