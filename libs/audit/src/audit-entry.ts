import { withoutSecrets } from '#libs/secrets';

/** One change made through the service, as the audit trail keeps it. */
export interface AuditEntry {
  /** Position in the trail (the Redis stream id): newest entries have the largest. */
  readonly id: string;
  readonly time: Date;
  /** The GraphQL mutation or REST operation, e.g. tagImage, removeImage, pullImage. */
  readonly operation: string;
  /** Arguments as given, credentials removed. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Role and token fingerprint, e.g. `write:0123456789ab`; never the token. */
  readonly caller: string;
  readonly outcome: 'ok' | 'error';
  readonly errorCode: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;

/** The most an entry's arguments take as JSON: arguments are the caller's, and unbounded. */
export const MAX_AUDIT_ARGUMENTS_BYTES = 4096;
export const TRUNCATED_MARKER = '[truncated]';

/**
 * The arguments without secrets, cut to a bounded size: past the bound the entry keeps a
 * marker, the original size and a prefix of the JSON, so it still says what was asked.
 */
export function auditArguments(value: unknown): Record<string, unknown> {
  const clean = (withoutSecrets(value) ?? {}) as Record<string, unknown>;
  const json = JSON.stringify(clean) ?? '{}';
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_AUDIT_ARGUMENTS_BYTES) return clean;
  // The prefix is JSON stored inside JSON: its quotes and backslashes are escaped once more, so
  // it is cut until the whole entry fits.
  let budget = MAX_AUDIT_ARGUMENTS_BYTES - 256;
  for (;;) {
    const truncated = { [TRUNCATED_MARKER]: true, originalBytes: bytes, prefix: truncateUtf8(json, budget) };
    if (Buffer.byteLength(JSON.stringify(truncated)) <= MAX_AUDIT_ARGUMENTS_BYTES) return truncated;
    budget = Math.floor(budget / 2);
  }
}

/** At most `bytes` bytes of UTF-8, never half a character. */
function truncateUtf8(text: string, bytes: number): string {
  const cut = Buffer.from(text).subarray(0, bytes).toString('utf8');
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}
