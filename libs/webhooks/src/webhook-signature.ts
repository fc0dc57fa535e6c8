import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Stevedore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, in the style of
 * Stripe's and GitHub's webhooks: the timestamp inside the signed text lets a receiver refuse a
 * replayed delivery, and `v1` leaves room for another scheme beside it during a change.
 */
export const SIGNATURE_HEADER = 'stevedore-signature';

export function signatureOf(secret: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export type SignatureCheck = 'valid' | 'malformed' | 'mismatch' | 'too-old';

/**
 * What a receiver does (the README shows the same steps): parse the header, recompute the MAC
 * over the raw body, compare in constant time, refuse a timestamp older than `toleranceSeconds`.
 */
export function checkSignature(
  header: string | undefined,
  secret: string,
  body: string | Buffer,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): SignatureCheck {
  const parts = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return 'malformed';
  const expected = signatureOf(secret, timestamp, body).split('v1=')[1]!;
  if (!timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))) return 'mismatch';
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  // Either way: a clock ahead by more than the tolerance is refused too.
  return Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300) ? 'too-old' : 'valid';
}
