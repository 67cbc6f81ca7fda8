/**
 * OpenAI-compatible chat-completions responder (OpenAI, or a local server such as llama.cpp,
 * Ollama, LM Studio, vLLM). POST `{baseUrl}/chat/completions` with the system prompt and the
 * message; the reply is `choices[0].message.content`. The API key is fetched through the
 * injected secret getter by reference and is never part of an error message.
 *
 * Reasoning models served locally often put their thinking in `<think>…</think>`; that part is
 * removed so it is never sent to the contact.
 */
import { replyError } from '../errors.js';
import type { OpenAiReply } from '../schema.js';
import { errorDetail, httpStatusError, postJson, resolveSecret, type ResponderDeps, type ResponderResult } from './http.js';

const LABEL = 'The AI chat server';

export interface ChatInput {
  /** The rule's instructions, placeholders already filled in. */
  systemPrompt: string;
  /** The contact's message. */
  userText: string;
}

/** `http://host/v1` → `http://host/v1/chat/completions` (a full endpoint URL is kept as is). */
export function chatCompletionsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/chat\/completions$/.test(trimmed) ? trimmed : `${trimmed}/chat/completions`;
}

export async function callChatCompletion(
  reply: OpenAiReply,
  input: ChatInput,
  deps: ResponderDeps,
): Promise<ResponderResult> {
  const key = await resolveSecret(reply.apiKeyRef, deps.getSecret, 'The API key');
  if (!key.ok) return key;
  const secrets = key.value ? [key.value] : [];
  const messages = [
    ...(input.systemPrompt.trim() ? [{ role: 'system', content: input.systemPrompt }] : []),
    { role: 'user', content: input.userText },
  ];
  const outcome = await postJson(
    {
      url: chatCompletionsUrl(reply.baseUrl),
      body: {
        model: reply.model,
        messages,
        stream: false,
        ...(reply.temperature !== undefined ? { temperature: reply.temperature } : {}),
        ...(reply.maxTokens !== undefined ? { max_tokens: reply.maxTokens } : {}),
      },
      headers: {
        accept: 'application/json',
        ...(key.value ? { authorization: `Bearer ${key.value}` } : {}),
      },
      timeoutMs: reply.timeoutMs,
      maxBytes: reply.maxBytes,
      label: LABEL,
      secrets,
    },
    deps,
  );
  if (!outcome.ok) return outcome;
  if (outcome.status < 200 || outcome.status > 299) {
    return { ok: false, error: httpStatusError(LABEL, outcome.status, errorDetail(outcome.body), secrets) };
  }
  let json: unknown;
  try {
    json = JSON.parse(outcome.body);
  } catch {
    return { ok: false, error: replyError('responder-bad-response', `${LABEL}'s answer is not valid JSON.`) };
  }
  const content = extractCompletionText(json);
  if (content === undefined) {
    return {
      ok: false,
      error: replyError('responder-bad-response', `${LABEL}'s answer has no reply text (choices[0].message.content).`),
    };
  }
  const text = stripThinking(content).trim();
  if (!text) return { ok: false, error: replyError('responder-empty', `${LABEL} answered with an empty reply.`) };
  return { ok: true, text };
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
