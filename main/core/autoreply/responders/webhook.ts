/**
 * Webhook responder: POST JSON `{ message, contact, rule }` to the rule's URL; the reply is
 * `{"reply": "…"}` (JSON) or the plain-text body. HTTP 204 or `{"reply": null}` means "do not
 * reply" on purpose (no fallback). An optional secret is sent as `Authorization: Bearer …`.
 */
import { replyError } from '../errors.js';
import type { WebhookReply } from '../schema.js';
import { errorDetail, httpStatusError, postJson, resolveSecret, type ResponderDeps, type ResponderResult } from './http.js';

export interface WebhookPayload {
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
  const outcome = await postJson(
    {
      url: reply.url,
      body: payload,
      headers: {
        accept: 'application/json, text/plain;q=0.9',
        ...(secret.value ? { authorization: `Bearer ${secret.value}` } : {}),
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
  return parseWebhookBody(contentType, body);
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
