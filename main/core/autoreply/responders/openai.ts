/**
 * OpenAI-compatible chat-completions responder (OpenAI, OpenRouter, Groq, or a local Ollama,
 * LM Studio, llama.cpp or vLLM through its base URL), through the official `openai` client.
 *
 * The client is set up so that it cannot answer twice or wait forever: `maxRetries: 0` (a retry
 * after a timeout could produce a second, different reply), our own timeout as an AbortSignal
 * that also covers reading the body (the client's own timer stops at the headers), and a
 * transport that reads at most `maxBytes` of any answer. The transport also sends only the headers
 * we mean to send: no platform headers, nothing picked up from OPENAI_* environment variables
 * (the key, the organization and the project are always passed explicitly).
 *
 * The request is the rule's instructions, the chat's earlier turns (oldest first, with roles)
 * and the message; the reply is `choices[0].message.content`. Reasoning models served locally
 * often put their thinking in `<think>…</think>`; that part is removed so it is never sent.
 * Errors are plain words by kind: a refused key (401), no access (403), unknown model or address
 * (404), too many requests (429), a server fault (5xx), a timeout, an unreachable server.
 */
import type * as OpenAiSdk from 'openai';
import { formatBytes, formatDuration, replyError, type ReplyError } from '../errors.js';
import type { OpenAiReply } from '../schema.js';
import {
  errorDetail,
  hostOf,
  networkCause,
  readLimited,
  redactSecrets,
  resolveSecret,
  scrub,
  type FetchLike,
  type ResponderDeps,
  type ResponderResult,
} from './http.js';

const LABEL = 'The AI chat server';

/**
 * The `openai` package, loaded at the first AI reply: loading it takes about 55 ms of CPU, which
 * every start paid before (cold start to the QR), most people never having an AI rule.
 */
let sdk: Promise<typeof OpenAiSdk> | undefined;
const loadSdk = () => (sdk ??= import('openai'));

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatInput {
  /** The rule's instructions, placeholders already filled in. */
  systemPrompt: string;
  /** Earlier turns of the chat, oldest first (already cut to the rule's budget). */
  history?: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }>;
  /** The contact's message. */
  userText: string;
}

/** `http://host/v1/` or `http://host/v1/chat/completions` → `http://host/v1` (what the client takes). */
export function openAiBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');
}

/** `http://host/v1` → `http://host/v1/chat/completions` (a full endpoint URL is kept as is). */
export function chatCompletionsUrl(baseUrl: string): string {
  return `${openAiBaseUrl(baseUrl)}/chat/completions`;
}

/** The messages of the request: instructions, earlier turns, the message. */
export function chatMessages(input: ChatInput): ChatMessage[] {
  return [
    ...(input.systemPrompt.trim() ? [{ role: 'system' as const, content: input.systemPrompt }] : []),
    ...(input.history ?? []).map((t) => ({ role: t.role, content: t.content })),
    { role: 'user', content: input.userText },
  ];
}

/** The answer was larger than the rule allows (thrown by the transport, found as the client error's cause). */
class AnswerTooLarge extends Error {}

/** Headers the transport passes on; everything else the client adds is dropped. */
const SENT_HEADERS = new Set(['accept', 'authorization', 'content-type', 'content-length', 'user-agent']);

/**
 * The client's `fetch`: only our headers go out, and an answer is read to the end here, within
 * `maxBytes`, so the client parses what we already checked. Keeps the body of an error answer
 * for the plain-language message.
 */
function limitedTransport(fetchImpl: FetchLike, maxBytes: number): { fetch: typeof fetch; errorBody: () => string | undefined } {
  let errorBody: string | undefined;
  const transport = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers();
    new Headers(init?.headers).forEach((value, name) => {
      if (SENT_HEADERS.has(name)) headers.set(name, value);
    });
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await fetchImpl(url, { ...init, headers, redirect: 'follow' });
    const body = await readLimited(response, maxBytes);
    if (body === undefined) throw new AnswerTooLarge();
    if (!response.ok) errorBody = body;
    return new Response(response.status === 204 ? null : body, { status: response.status, headers: response.headers });
  };
  return { fetch: transport as typeof fetch, errorBody: () => errorBody };
}

export async function callChatCompletion(
  reply: OpenAiReply,
  input: ChatInput,
  deps: ResponderDeps,
): Promise<ResponderResult> {
  const key = await resolveSecret(reply.apiKeyRef, deps.getSecret, 'The API key');
  if (!key.ok) return key;
  const secrets = key.value ? [key.value] : [];
  if (!URL.canParse(reply.baseUrl)) {
    return { ok: false, error: replyError('invalid-config', `${LABEL}'s address is not a valid web address.`) };
  }
  if (deps.signal?.aborted) return { ok: false, error: replyError('aborted', 'Replying was cancelled.') };

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), reply.timeoutMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout.signal]) : timeout.signal;
  const transport = limitedTransport(deps.fetch, reply.maxBytes);
  const { default: OpenAI, APIUserAbortError } = await loadSdk();
  const client = new OpenAI({
    // A keyless local server still needs a value here; the Authorization header is then removed.
    apiKey: key.value ?? 'no-key',
    organization: null,
    project: null,
    baseURL: openAiBaseUrl(reply.baseUrl),
    maxRetries: 0,
    timeout: reply.timeoutMs,
    logLevel: 'off',
    fetch: transport.fetch,
  });
  try {
    const completion: unknown = await client.chat.completions.create(
      {
        model: reply.model,
        messages: chatMessages(input),
        stream: false,
        ...(reply.temperature !== undefined ? { temperature: reply.temperature } : {}),
        ...(reply.maxTokens !== undefined ? { max_tokens: reply.maxTokens } : {}),
      },
      { signal, ...(key.value ? {} : { headers: { Authorization: null } }) },
    );
    return completionText(completion, secrets);
  } catch (err) {
    if (timeout.signal.aborted && !deps.signal?.aborted) return timedOut(reply.timeoutMs);
    if (deps.signal?.aborted || err instanceof APIUserAbortError) {
      return { ok: false, error: replyError('aborted', 'Replying was cancelled.') };
    }
    return { ok: false, error: describeFailure(await loadSdk(), err, reply, transport.errorBody(), secrets) };
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(ms: number): ResponderResult {
  return { ok: false, error: replyError('responder-timeout', `${LABEL} did not answer within ${formatDuration(ms)}.`) };
}

/** The reply text of a completion the client returned (an object, or text when the answer was not JSON). */
function completionText(completion: unknown, secrets: string[]): ResponderResult {
  let json = completion;
  if (typeof completion === 'string') {
    try {
      json = JSON.parse(completion);
    } catch {
      return { ok: false, error: replyError('responder-bad-response', `${LABEL}'s answer is not valid JSON.`) };
    }
  }
  const content = extractCompletionText(json);
  if (content === undefined) {
    return {
      ok: false,
      error: replyError('responder-bad-response', `${LABEL}'s answer has no reply text (choices[0].message.content).`),
    };
  }
  const text = redactSecrets(stripThinking(content), secrets).trim();
  if (!text) return { ok: false, error: replyError('responder-empty', `${LABEL} answered with an empty reply.`) };
  return { ok: true, text };
}

function describeFailure(
  { APIConnectionError, APIConnectionTimeoutError, APIError }: typeof OpenAiSdk,
  err: unknown,
  reply: OpenAiReply,
  body: string | undefined,
  secrets: string[],
): ReplyError {
  if (err instanceof APIConnectionTimeoutError) return (timedOut(reply.timeoutMs) as { error: ReplyError }).error;
  if (err instanceof APIConnectionError) {
    if (err.cause instanceof AnswerTooLarge) {
      return replyError('responder-too-large', `${LABEL}'s answer is larger than ${formatBytes(reply.maxBytes)}.`);
    }
    return replyError(
      'responder-unreachable',
      `Could not reach the AI chat server at ${hostOf(reply.baseUrl)} (${networkCause(err.cause)}).`,
    );
  }
  if (err instanceof APIError && typeof err.status === 'number') return statusError(err.status, reply.model, body, secrets);
  if (err instanceof SyntaxError) return replyError('responder-bad-response', `${LABEL}'s answer is not valid JSON.`);
  return replyError('internal', `${LABEL} could not be asked (an unexpected error).`);
}

/** One plain sentence per kind of refusal, then what the server said (without any secret). */
export function statusError(status: number, model: string, body: string | undefined, secrets: string[]): ReplyError {
  const detail = body ? errorDetail(body) : undefined;
  const said = detail ? ` It said: ${scrub(detail, secrets).replace(/[.\s]+$/, '')}.` : '';
  const what =
    status === 401
      ? `did not accept the API key (HTTP 401); check the key`
      : status === 403
        ? `refused access (HTTP 403); check that the key may use the model “${model}”`
        : status === 404
          ? `does not know the model “${model}” or the address (HTTP 404); check both`
          : status === 429
            ? `says there were too many requests or the quota is used up (HTTP 429); try again later`
            : status >= 500
              ? `had a problem of its own (HTTP ${status}); try again later`
              : `refused the request (HTTP ${status})`;
  return replyError('responder-http-error', `${LABEL} ${what}.${said}`, status);
}

/** `choices[0].message.content` as a string or an array of text parts; legacy `choices[0].text`. */
export function extractCompletionText(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const first = choices[0] as { message?: { content?: unknown }; text?: unknown } | null;
  const content = first?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((p: unknown) =>
        p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '',
      )
      .join('');
    return parts;
  }
  if (typeof first?.text === 'string') return first.text;
  return undefined;
}

/** Remove `<think>…</think>` blocks (and an unfinished one at the end). */
export function stripThinking(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('<think>', from);
    if (open < 0) return out + text.slice(from);
    out += text.slice(from, open);
    const close = text.indexOf('</think>', open);
    if (close < 0) return out;
    from = close + '</think>'.length;
  }
}
