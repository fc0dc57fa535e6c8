import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  print,
  astFromValue,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

/**
 * Lists every way `actual` falls short of `contract`: a missing type, field, argument or enum
 * value, or one whose type differs. Paths look like `Query.images(first)` so that a pending
 * list can name exactly what is not built yet.
 */
export function contractGaps(contract: GraphQLSchema, actual: GraphQLSchema): Map<string, string> {
  const gaps = new Map<string, string>();
  for (const expected of Object.values(contract.getTypeMap())) {
    if (expected.name.startsWith('__')) continue;
    const found = actual.getType(expected.name);
    if (!found) {
      gaps.set(expected.name, 'type is missing');
      continue;
    }
    if (kindOf(found) !== kindOf(expected)) {
      gaps.set(expected.name, `is a ${kindOf(found)}, the contract has a ${kindOf(expected)}`);
      continue;
    }
    compareMembers(expected, found, gaps);
  }
  return gaps;
}

function compareMembers(
  expected: GraphQLNamedType,
  found: GraphQLNamedType,
  gaps: Map<string, string>,
): void {
  if (isEnumType(expected) && isEnumType(found)) {
    for (const value of expected.getValues()) {
      if (!found.getValue(value.name)) gaps.set(`${expected.name}.${value.name}`, 'enum value is missing');
    }
    return;
  }
  if (
    (isObjectType(expected) || isInterfaceType(expected)) &&
    (isObjectType(found) || isInterfaceType(found))
  ) {
    for (const field of Object.values(expected.getFields())) {
      const path = `${expected.name}.${field.name}`;
      const ours = found.getFields()[field.name];
      if (!ours) gaps.set(path, 'field is missing');
      else compareOutputField(path, field, ours, gaps);
    }
    return;
  }
  if (isInputObjectType(expected) && isInputObjectType(found)) {
    for (const field of Object.values(expected.getFields())) {
      const path = `${expected.name}.${field.name}`;
      const ours = found.getFields()[field.name];
      if (!ours) gaps.set(path, 'input field is missing');
      else compareInput(path, field, ours, gaps);
    }
  }
}

function compareOutputField(
  path: string,
  expected: GraphQLField<unknown, unknown>,
  found: GraphQLField<unknown, unknown>,
  gaps: Map<string, string>,
): void {
  // An output may promise more than the contract (non-null where it allows null), never less.
  if (!outputCompatible(expected.type, found.type)) {
    gaps.set(path, `has type ${String(found.type)}, the contract has ${String(expected.type)}`);
  }
  for (const arg of expected.args) {
    const ours = found.args.find((candidate) => candidate.name === arg.name);
    const argPath = `${path}(${arg.name})`;
    if (!ours) gaps.set(argPath, 'argument is missing');
    else compareInput(argPath, arg, ours, gaps);
  }
  for (const arg of found.args) {
    if (
      isNonNullType(arg.type) &&
      arg.defaultValue === undefined &&
      !expected.args.some((a) => a.name === arg.name)
    ) {
      gaps.set(`${path}(${arg.name})`, 'is a required argument the contract does not have');
    }
  }
}

function compareInput(
  path: string,
  expected: GraphQLArgument | GraphQLInputField,
  found: GraphQLArgument | GraphQLInputField,
  gaps: Map<string, string>,
): void {
  if (String(expected.type) !== String(found.type)) {
    gaps.set(path, `has type ${String(found.type)}, the contract has ${String(expected.type)}`);
  } else if (defaultOf(expected) !== defaultOf(found)) {
    gaps.set(path, `defaults to ${defaultOf(found)}, the contract to ${defaultOf(expected)}`);
  }
}

function outputCompatible(expected: GraphQLType, found: GraphQLType): boolean {
  if (String(expected) === String(found)) return true;
  return isNonNullType(found) && !isNonNullType(expected) && String(found.ofType) === String(expected);
}

function defaultOf(input: GraphQLArgument | GraphQLInputField): string {
  if (input.defaultValue === undefined) return 'nothing';
  const ast = astFromValue(input.defaultValue, input.type);
  return ast ? print(ast) : 'nothing';
}

function kindOf(type: GraphQLNamedType): string {
  return type.constructor.name
    .replace(/^GraphQL/, '')
    .replace(/Type$/, '')
    .toLowerCase();
}
