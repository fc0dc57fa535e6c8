/** HTTP methods that only read: everything else changes state (role `write`, the change budget, the audit). */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method);
}
