import { getOperationAST, parse } from 'graphql';
import { operationBudget } from './operation-budget.js';

function budgetOf(source: string) {
  const document = parse(source);
  const budget = operationBudget(getOperationAST(document)!, document);
  return { ...budget, rootFields: budget.rootFields.map((field) => field.name.value) };
}

describe('operationBudget', () => {
  it('counts a query or subscription once, however many fields it reads', () => {
    expect(budgetOf('{ a: images { totalCount } b: images { totalCount } }')).toEqual({
      kind: 'query',
      cost: 1,
      rootFields: [],
    });
    expect(budgetOf('subscription { imageEvents { action } }').cost).toBe(1);
  });

  it('counts a mutation once per root field, aliases and fragments included', () => {
    const budget = budgetOf(`
      mutation {
        a: pullImage(input: { ref: "a" }) { id }
        b: pullImage(input: { ref: "b" }) { id }
        ...More
        ... on Mutation { c: pruneImages { spaceReclaimed } }
        __typename
      }
      fragment More on Mutation { d: cancelJob(id: "1") { id } ...More }
    `);
    expect(budget).toEqual({
      kind: 'mutation',
      cost: 4,
      rootFields: ['pullImage', 'pullImage', 'cancelJob', 'pruneImages'],
    });
  });

  it('counts fields of the same response key once, as GraphQL runs them once', () => {
    expect(budgetOf('mutation { pruneImages { spaceReclaimed } pruneImages { deleted } }').cost).toBe(1);
  });
});
