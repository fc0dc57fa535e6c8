import {
  getOperationAST,
  GraphQLBoolean,
  GraphQLID,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from 'graphql';
import { declareOperation } from '../operations/operation.js';
import { OPERATION_EXTENSION } from '../operations/served-operation.js';
import { documentCall } from './document-operations.js';

const look = declareOperation({ name: 'images', effect: 'read', summary: 'read', errors: [] });
const pull = declareOperation({ name: 'pullImage', effect: 'change', summary: 'pull', errors: [] });
const cancel = declareOperation({ name: 'cancelJob', effect: 'change', summary: 'cancel', errors: [] });

const field = (operation: typeof look, args = {}) => ({
  type: GraphQLBoolean,
  args,
  extensions: { [OPERATION_EXTENSION]: operation },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { images: field(look) } }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      pullImage: field(pull, {
        ref: { type: new GraphQLNonNull(GraphQLString) },
        password: { type: GraphQLString },
      }),
      cancelJob: field(cancel, { id: { type: new GraphQLNonNull(GraphQLID) } }),
    },
  }),
});

function callOf(source: string, variables?: Record<string, unknown>) {
  const document = parse(source);
  const call = documentCall(schema, getOperationAST(document)!, document, variables, undefined);
  return { names: call.operations.map((operation) => operation.name), arguments: call.arguments() };
}

describe('documentCall', () => {
  it('finds the declaration of each root field, introspection declaring none', () => {
    expect(callOf('{ a: images b: images __typename __schema { description } }').names).toEqual([
      'images',
      'images',
    ]);
  });

  it('counts a mutation once per response key, aliases and fragments included', () => {
    const { names } = callOf(`
      mutation {
        a: pullImage(ref: "a")
        b: pullImage(ref: "b")
        ...More
        ... on Mutation { c: cancelJob(id: "2") }
        __typename
      }
      fragment More on Mutation { d: cancelJob(id: "1") ...More }
    `);
    expect(names).toEqual(['pullImage', 'pullImage', 'cancelJob', 'cancelJob']);
  });

  it('counts fields of the same response key once, as GraphQL runs them once', () => {
    expect(callOf('mutation { cancelJob(id: "1") cancelJob(id: "1") }').names).toEqual(['cancelJob']);
  });

  it('gives the arguments as a resolver sees them: one field its own, several by response key', () => {
    expect(
      callOf('mutation ($p: String) { pullImage(ref: "x", password: $p) }', { p: 's3cret' }).arguments,
    ).toEqual({ ref: 'x', password: 's3cret' });
    expect(callOf('mutation { a: cancelJob(id: "1") b: cancelJob(id: 2) }').arguments).toEqual({
      a: { id: '1' },
      b: { id: '2' },
    });
    expect(callOf('mutation ($r: String!) { pullImage(ref: $r) }', {}).arguments).toEqual({});
  });
});
