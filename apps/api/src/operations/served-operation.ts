import type { Operation } from './operation.js';

/** Where `@Serves` keeps a handler's declaration. */
export const SERVED_OPERATION = 'stevedore:operation';
/** Where a GraphQL root field keeps its declaration, for admission before execution. */
export const OPERATION_EXTENSION = 'stevedoreOperation';

/** The declaration a handler serves; undefined for routes outside the API (probes, metrics). */
export function servedOperation(handler: object): Operation | undefined {
  return Reflect.getMetadata(SERVED_OPERATION, handler) as Operation | undefined;
}
