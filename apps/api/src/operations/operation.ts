import type { Role } from '#libs/auth';
import type { StevedoreConfig } from '#libs/config';
import type { ErrorCode } from '#libs/errors';

/**
 * Whether an operation only reads or changes state. It decides the role an operation needs by
 * default, the budget it counts against, and whether the audit trail records it.
 */
export type OperationEffect = 'read' | 'change';

/** A role, or the setting that chooses it (export's role is an operator's choice). */
export type RoleRequirement = Role | ((config: StevedoreConfig) => Role);

/**
 * One thing a caller can do, declared once for every transport. REST routes and GraphQL root
 * fields name the declaration they serve; the admission chain reads everything it decides from
 * here (who may, which budget, whether to audit), and the API descriptions are written from it.
 */
export interface Operation {
  /** The GraphQL root field, and the name in the audit trail and in metrics. */
  readonly name: string;
  readonly effect: OperationEffect;
  readonly role: RoleRequirement;
  /** One line: the OpenAPI summary. */
  readonly summary: string;
  /** What it does, for the GraphQL schema and the OpenAPI document. */
  readonly description?: string;
  /**
   * The codes of its own failures. The ones the admission chain adds (UNAUTHENTICATED,
   * FORBIDDEN, RATE_LIMITED) and INTERNAL are implied.
   */
  readonly errors: readonly ErrorCode[];
}

export type OperationDeclaration = Omit<Operation, 'role'> & { readonly role?: RoleRequirement };

/** Reads need `read` and changes `write` unless the declaration says otherwise. */
export function declareOperation(declaration: OperationDeclaration): Operation {
  return Object.freeze({
    ...declaration,
    role: declaration.role ?? (declaration.effect === 'change' ? 'write' : 'read'),
    errors: Object.freeze([...declaration.errors]),
  });
}

export function requiredRole(operation: Operation, config: StevedoreConfig): Role {
  return typeof operation.role === 'function' ? operation.role(config) : operation.role;
}

/** Every code a caller of this operation can meet, in a stable order, for the API documents. */
export function possibleErrors(operation: Operation): ErrorCode[] {
  const mayBeForbidden = operation.role !== 'read';
  return [
    ...new Set<ErrorCode>([
      ...operation.errors,
      'UNAUTHENTICATED',
      ...(mayBeForbidden ? (['FORBIDDEN'] as const) : []),
      'RATE_LIMITED',
    ]),
  ];
}
