/**
 * Webhook responder: POST JSON `{ replyId, message, contact, rule }` to the rule's URL; the reply
 * is `{"reply": "…"}` (JSON) or the plain-text body. HTTP 204 or `{"reply": null}` means "do not
 * reply" on purpose (no fallback). Every call carries the reply's id as its idempotency key and,
 * when the rule names a secret, a signature (signature.ts); the secret itself is never sent.
 */
import { replyError } from '../errors.js';
import type { WebhookReply } from '../schema.js';
import {
  errorDetail,
  httpStatusError,
  postJson,
  redactSecrets,
  resolveSecret,
  type ResponderDeps,
  type ResponderResult,
} from './http.js';
import { webhookHeaders } from './signature.js';

export interface WebhookPayload {
  /** The reply's id: the same on every call for one reply (also after a restart). */
  replyId?: string;
  /** A test from the rules editor: nothing will be sent to WhatsApp. */
  test?: true;
  message: { id: string; text: string; timestamp: number; isGroup: boolean; chatJid: string };
  contact: { jid: string; phone: string | null; name: string | null };
  rule: { id: string; name: string };
}

const LABEL = 'The webhook';

export async function callWebhook(
  reply: WebhookReply,
  payload: WebhookPayload,
  deps: ResponderDeps,
): Promise<ResponderResult> {
  const secret = await resolveSecret(reply.secretRef, deps.getSecret, 'The webhook secret');
  if (!secret.ok) return secret;
  const secrets = secret.value ? [secret.value] : [];
  const bodyText = JSON.stringify(payload);
  const outcome = await postJson(
    {
      url: reply.url,
      bodyText,
      headers: {
        accept: 'application/json, text/plain;q=0.9',
        ...webhookHeaders({ body: bodyText, nowMs: (deps.now ?? Date.now)(), idempotencyKey: payload.replyId, secret: secret.value }),
      },
      timeoutMs: reply.timeoutMs,
      maxBytes: reply.maxBytes,
      label: LABEL,
      secrets,
    },
    deps,
  );
  if (!outcome.ok) return outcome;
  const { status, contentType, body } = outcome;
  if (status === 204) return { ok: false, error: replyError('responder-declined', `${LABEL} chose not to reply.`) };
  if (status < 200 || status > 299) {
    return { ok: false, error: httpStatusError(LABEL, status, errorDetail(body), secrets) };
  }
  const parsed = parseWebhookBody(contentType, body);
  return parsed.ok ? { ok: true, text: redactSecrets(parsed.text, secrets) } : parsed;
}

/** `{"reply": "…"}` when the answer is JSON (or plain text that is such an object), else the text. */
export function parseWebhookBody(contentType: string, body: string): ResponderResult {
  const looksJson = /\bjson\b/i.test(contentType);
  const trimmed = body.trim();
  if (!looksJson && !trimmed.startsWith('{')) return nonEmpty(body);
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    if (!looksJson) return nonEmpty(body); // plain text that happens to start with "{"
    return { ok: false, error: replyError('responder-bad-response', `${LABEL}'s answer is not valid JSON.`) };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('reply' in json)) {
    if (!looksJson) return nonEmpty(body);
    return { ok: false, error: replyError('responder-bad-response', `${LABEL}'s answer has no "reply" field.`) };
  }
  const value = (json as { reply: unknown }).reply;
  if (value === null) return { ok: false, error: replyError('responder-declined', `${LABEL} chose not to reply.`) };
  if (typeof value !== 'string') {
    return { ok: false, error: replyError('responder-bad-response', `${LABEL}'s "reply" is not text.`) };
  }
  return nonEmpty(value);
}

function nonEmpty(text: string): ResponderResult {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, error: replyError('responder-empty', `${LABEL} answered with an empty reply.`) };
  return { ok: true, text: trimmed };
}
