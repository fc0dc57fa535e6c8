import type { AuditEntry, NewAuditEntry } from './audit-entry.js';

export interface AuditPage {
  readonly totalCount: number;
  readonly nodes: readonly AuditEntry[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** Where changes are recorded; services depend on this port, the adapter keeps it in Redis. */
export interface AuditLog {
  record(entry: NewAuditEntry): Promise<void>;
  /** Newest first, optionally of one operation. */
  list(query: { operation?: string; first: number; after?: string | null }): Promise<AuditPage>;
}

export const AUDIT_LOG = Symbol('AuditLog');
