import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { QuotaKind } from '#libs/rate-limit';

/** What one GraphQL operation costs against its caller's budget. */
export interface OperationBudget {
  readonly kind: QuotaKind;
  /** Queries and subscriptions cost one; a mutation one per root field it runs. */
  readonly cost: number;
  /** The root fields a mutation runs, one per response key (for the audit of a refusal). */
  readonly rootFields: readonly FieldNode[];
}

/**
 * Every aliased root field of a mutation runs its change once more (`a: pullImage(…) b:
 * pullImage(…)` queues two jobs), so a mutation costs one per root field, fragments included.
 */
export function operationBudget(operation: OperationDefinitionNode, document: DocumentNode): OperationBudget {
  if (operation.operation !== 'mutation') return { kind: 'query', cost: 1, rootFields: [] };
  const rootFields = rootFieldsOf(operation.selectionSet, fragmentsOf(document), new Set());
  return { kind: 'mutation', cost: Math.max(1, rootFields.length), rootFields };
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

export function responseKeyOf(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}
