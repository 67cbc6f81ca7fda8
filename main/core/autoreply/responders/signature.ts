/**
 * How webhook calls are signed, in the style of Stripe and Svix, so a receiver can check that a
 * call comes from this Replyline and is fresh:
 *
 *   X-Replyline-Timestamp: 1767225600                 (seconds since the epoch, when sent)
 *   X-Replyline-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>
 *   Idempotency-Key: <the reply's id>                 (also `replyId` in the body)
 *
 * The receiver recomputes the HMAC over the exact bytes it received, compares in constant time,
 * and rejects a timestamp more than a few minutes old (a replayed call). The idempotency key is
 * the same on every call made for one reply, also after a crash and restart, so a receiver with
 * side effects can do them once. `v1=` names the scheme, so a later one can be added beside it.
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-replyline-timestamp';
export const SIGNATURE_HEADER = 'x-replyline-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** `v1=<hex>`: the signature header's value for `body` sent at `timestampSeconds`. */
export function signatureFor(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `v1=${mac}`;
}

/** The headers of one signed call (the signature only when there is a secret). */
export function webhookHeaders(options: {
  body: string;
  nowMs: number;
  idempotencyKey?: string;
  secret?: string;
}): Record<string, string> {
  const timestamp = Math.floor(options.nowMs / 1000);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    ...(options.secret ? { [SIGNATURE_HEADER]: signatureFor(options.secret, timestamp, options.body) } : {}),
    ...(options.idempotencyKey ? { [IDEMPOTENCY_HEADER]: options.idempotencyKey } : {}),
  };
}
