import {
  getArgumentValues,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { BatchCall } from '../operations/admission-chain.js';
import type { Operation } from '../operations/operation.js';
import { OPERATION_EXTENSION } from '../operations/served-operation.js';

/**
 * What one GraphQL document asks to run, for the admission chain's budget before execution: the
 * declared operation of each root field, once per response key (`a: pullImage(…) b:
 * pullImage(…)` runs the change twice), fragments included. Introspection fields declare none.
 */
export function documentCall(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  principal: BatchCall['principal'],
): BatchCall {
  const rootType = rootTypeOf(schema, operation);
  const rootFields = rootFieldsOf(operation.selectionSet, fragmentsOf(document), new Set());
  const fields = rootType?.getFields() ?? {};
  const operations = rootFields.flatMap((node) => {
    const declared = fields[node.name.value]?.extensions[OPERATION_EXTENSION] as Operation | undefined;
    return declared ? [declared] : [];
  });
  return {
    principal,
    operations,
    arguments: () => rootFieldArguments(rootType, rootFields, variables ?? {}),
  };
}

function rootTypeOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
): GraphQLObjectType | null | undefined {
  if (operation.operation === 'mutation') return schema.getMutationType();
  if (operation.operation === 'subscription') return schema.getSubscriptionType();
  return schema.getQueryType();
}

/**
 * Arguments resolved as a resolver would see them (so secrets are found by their argument
 * names, whatever the client called its variables); one field's own, or several by response
 * key. Fields whose variables do not fit are recorded without.
 */
function rootFieldArguments(
  rootType: GraphQLObjectType | null | undefined,
  rootFields: readonly FieldNode[],
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const fields = rootType?.getFields() ?? {};
  const byKey = rootFields.map((node): [string, Record<string, unknown>] => {
    const field = fields[node.name.value];
    try {
      return [responseKeyOf(node), field ? getArgumentValues(field, node, variables) : {}];
    } catch {
      return [responseKeyOf(node), {}];
    }
  });
  return byKey.length === 1 ? byKey[0][1] : Object.fromEntries(byKey);
}

function rootFieldsOf(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, SelectionSetNode>,
  visited: Set<string>,
): FieldNode[] {
  const fields = new Map<string, FieldNode>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === '__typename') continue;
      fields.set(responseKeyOf(selection), selection);
      continue;
    }
    let nested: SelectionSetNode | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) nested = selection.selectionSet;
    else if (!visited.has(selection.name.value)) {
      visited.add(selection.name.value);
      nested = fragments.get(selection.name.value);
    }
    // Fields of the same response key merge into one execution, as GraphQL's collectFields does.
    for (const field of nested ? rootFieldsOf(nested, fragments, visited) : []) {
      fields.set(responseKeyOf(field), field);
    }
  }
  return [...fields.values()];
}

function fragmentsOf(document: DocumentNode): Map<string, SelectionSetNode> {
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  return fragments;
}

function responseKeyOf(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}
