/** What a request counts against: reads (queries, GET) and changes (mutations, POST/PUT/DELETE). */
export type QuotaKind = 'query' | 'mutation';

export type QuotaDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly limit: number };

/** Per-caller request budgets over a fixed window; shared by every api replica. */
export interface RequestQuota {
  /** Counts one request of `kind` for `caller` and says whether it may run. */
  consume(caller: string, kind: QuotaKind): Promise<QuotaDecision>;
}

export const REQUEST_QUOTA = Symbol('REQUEST_QUOTA');
