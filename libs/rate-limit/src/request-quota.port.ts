/** What a request counts against: reads (queries, GET) and changes (mutations, POST/PUT/DELETE). */
export type QuotaKind = 'query' | 'mutation';

export type QuotaDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly limit: number };

/** Per-caller request budgets over a fixed window; shared by every api replica. */
export interface RequestQuota {
  /**
   * Counts `cost` requests of `kind` (default one) for `caller` and says whether they may run:
   * a GraphQL mutation costs one per root field, since each alias runs the change once more.
   */
  consume(caller: string, kind: QuotaKind, cost?: number): Promise<QuotaDecision>;
}

export const REQUEST_QUOTA = Symbol('REQUEST_QUOTA');
