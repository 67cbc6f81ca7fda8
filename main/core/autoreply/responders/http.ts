/**
 * The HTTP plumbing both responders share: POST JSON with a timeout (AbortSignal), read at most
 * `maxBytes` of the answer, turn every failure into a typed error whose message names only the
 * host (never the path or query, which may hold tokens) and never contains a secret.
 */
import { formatBytes, formatDuration, replyError, type ReplyError } from '../errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type SecretGetter = (ref: string) => Promise<string | undefined>;

export interface ResponderDeps {
  fetch: FetchLike;
  getSecret?: SecretGetter;
  /** Ms since epoch (the webhook's signed timestamp). */
  now?: () => number;
  /** Cancels the call (e.g. the app is quitting); reported as `aborted`, no fallback. */
  signal?: AbortSignal;
}

export type ResponderResult = { ok: true; text: string } | { ok: false; error: ReplyError };

export interface HttpCall {
  url: string;
  /** Sent as JSON; or `bodyText`, sent exactly as given (a signed body). */
  body?: unknown;
  bodyText?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** Who is answering, for messages: "The webhook", "The AI chat server". */
  label: string;
  /** Strings that must never appear in an error message. */
  secrets: string[];
}

export type HttpOutcome =
  | { ok: true; status: number; contentType: string; body: string }
  | { ok: false; error: ReplyError };

/** Host (and port) of a URL, for messages; never the path, query or credentials. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid address';
  }
}

/** Remove every secret from a text shown to the person; also cut it to one short line. */
export function scrub(text: string, secrets: readonly string[], maxLength = 200): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('•••');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}

/** Replace every secret in a responder's answer (a server that echoes the key must not pass it on). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('•••');
  return out;
}

export async function resolveSecret(
  ref: string | undefined,
  getSecret: SecretGetter | undefined,
  what: string,
): Promise<{ ok: true; value: string | undefined } | { ok: false; error: ReplyError }> {
  if (ref === undefined) return { ok: true, value: undefined };
  let value: string | undefined;
  try {
    value = getSecret ? await getSecret(ref) : undefined;
  } catch {
    return { ok: false, error: replyError('secret-missing', `${what} “${ref}” could not be read from secure storage.`) };
  }
  if (!value) {
    return {
      ok: false,
      error: replyError('secret-missing', `${what} “${ref}” is not set; add it under Settings → Keys and secrets.`),
    };
  }
  return { ok: true, value };
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'address not found',
  EAI_AGAIN: 'address not found',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** A short plain cause for a failed connection (`err` is what fetch threw). */
export function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (NETWORK_CAUSES[code]) return NETWORK_CAUSES[code];
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return 'certificate problem';
  return 'network error';
}

/** The body as text, or undefined when it is larger than `maxBytes` (then the rest is not read). */
export async function readLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** POST `call.body` as JSON; resolves with the (size-limited) answer or a typed error. */
export async function postJson(call: HttpCall, deps: ResponderDeps): Promise<HttpOutcome> {
  const host = hostOf(call.url);
  if (!URL.canParse(call.url)) {
    return { ok: false, error: replyError('invalid-config', `${call.label}'s address is not a valid web address.`) };
  }
  if (deps.signal?.aborted) return { ok: false, error: replyError('aborted', 'Replying was cancelled.') };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), call.timeoutMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await deps.fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: call.bodyText ?? JSON.stringify(call.body),
      signal,
      redirect: 'follow',
    });
    const body = await readLimited(response, call.maxBytes);
    if (body === undefined) {
      return {
        ok: false,
        error: replyError('responder-too-large', `${call.label}'s answer is larger than ${formatBytes(call.maxBytes)}.`),
      };
    }
    return { ok: true, status: response.status, contentType: response.headers.get('content-type') ?? '', body };
  } catch (err) {
    if (timeout.signal.aborted && !deps.signal?.aborted) {
      return {
        ok: false,
        error: replyError('responder-timeout', `${call.label} did not answer within ${formatDuration(call.timeoutMs)}.`),
      };
    }
    if (deps.signal?.aborted) return { ok: false, error: replyError('aborted', 'Replying was cancelled.') };
    return {
      ok: false,
      error: replyError('responder-unreachable', `Could not reach ${lower(call.label)} at ${host} (${networkCause(err)}).`),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function lower(label: string): string {
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/** The error for a non-2xx answer; `detail` (from the body) is scrubbed of secrets. */
export function httpStatusError(label: string, status: number, detail: string | undefined, secrets: string[]): ReplyError {
  const cleaned = detail ? scrub(detail, secrets).replace(/[.\s]+$/, '') : '';
  const what = status === 401 || status === 403 ? ' (is the key right?)' : status === 404 ? ' (is the address right?)' : '';
  return replyError(
    'responder-http-error',
    `${label} answered with an error (HTTP ${status})${what}${cleaned ? `: ${cleaned}` : ''}.`,
    status,
  );
}

/** A short explanation from an error body: `{error: {message}}`, `{error}`, `{message}`, `{detail}` or the text. */
export function errorDetail(body: string): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const error = o.error;
      if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
        return (error as { message: string }).message;
      }
      for (const value of [error, o.message, o.detail]) if (typeof value === 'string') return value;
      return undefined;
    }
  } catch {
    // not JSON: use the text itself
  }
  return /^\s*</.test(text) ? undefined : text; // skip HTML error pages
}
