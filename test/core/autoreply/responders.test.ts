import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderResult, ReplySource, RuleInput } from '../../../main/core/autoreply/index.js';
import { chatCompletionsUrl, extractCompletionText, stripThinking } from '../../../main/core/autoreply/responders/openai.js';
import { inbound, makeEngine, rule } from './fixtures.js';

const SECRET = 'sk-test-9f8e7d6c5b4a-SECRET';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void> = {
  '/json': (_req, res, body) => {
    const contact = body.contact as { name: string };
    const message = body.message as { text: string };
    send(res, 200, JSON.stringify({ reply: `Hi ${contact.name}, you said “${message.text}”` }));
  },
  '/text': (_req, res) => send(res, 200, '  Plain answer\n', 'text/plain; charset=utf-8'),
  '/text-brace': (_req, res) => send(res, 200, '{curly} but not JSON', 'text/plain'),
  '/json-in-text': (_req, res) => send(res, 200, '{"reply":"from JSON sent as text"}', 'text/plain'),
  '/slow': () => {
    /* never answers */
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('Part of an ans');
  },
  '/big': (_req, res) => send(res, 200, JSON.stringify({ reply: 'x'.repeat(100_000) })),
  '/big-stream': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }); // chunked, no content-length
    const chunk = 'y'.repeat(1024);
    let n = 0;
    const pump = () => {
      while (n++ < 200 && res.write(chunk));
      if (n < 200) res.once('drain', pump);
      else res.end();
    };
    pump();
  },
  '/500': (_req, res) => send(res, 500, JSON.stringify({ error: { message: 'Database is down.' } })),
  '/401-echo': (req, res) => send(res, 401, `Bad token: ${req.headers.authorization ?? ''}`, 'text/plain'),
  '/html-502': (_req, res) => send(res, 502, '<html><body>Bad gateway</body></html>', 'text/html'),
  '/204': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  '/null': (_req, res) => send(res, 200, '{"reply":null}'),
  '/blank': (_req, res) => send(res, 200, '{"reply":"   "}'),
  '/badjson': (_req, res) => send(res, 200, '{"reply": "unterminated'),
  '/noreply': (_req, res) => send(res, 200, '{"answer":"wrong field"}'),
  '/number': (_req, res) => send(res, 200, '{"reply":42}'),
  '/long': (_req, res) => send(res, 200, JSON.stringify({ reply: 'z'.repeat(5_000) })),
  // OpenAI-compatible endpoints
  '/v1/chat/completions': (_req, res, body) => {
    const messages = body.messages as { role: string; content: string }[];
    send(
      res,
      200,
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: `<think>plan the answer</think>\n\nEcho: ${messages.at(-1)!.content}` },
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      }),
    );
  },
  '/parts/v1/chat/completions': (_req, res) =>
    send(res, 200, JSON.stringify({ choices: [{ message: { content: [{ type: 'text', text: 'Part one, ' }, { type: 'text', text: 'part two.' }] } }] })),
  '/empty-choices/v1/chat/completions': (_req, res) => send(res, 200, JSON.stringify({ choices: [] })),
  '/only-thinking/v1/chat/completions': (_req, res) =>
    send(res, 200, JSON.stringify({ choices: [{ message: { content: '<think>never finished' } }] })),
  '/missing-model/v1/chat/completions': (_req, res) =>
    send(res, 404, JSON.stringify({ error: { message: "model 'llama9' not found", type: 'not_found' } })),
  '/leaky/v1/chat/completions': (req, res) =>
    send(res, 401, JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}` } })),
  '/big/v1/chat/completions': (_req, res) =>
    send(res, 200, JSON.stringify({ choices: [{ message: { content: 'w'.repeat(50_000) } }] })),
  '/slow/v1/chat/completions': () => {
    /* never answers */
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const path = req.url ?? '/';
      seen.push({ path, headers: req.headers, body });
      const route = routes[path];
      if (route) route(req, res, body);
      else send(res, 404, 'no such route', 'text/plain');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function render(
  reply: ReplySource | RuleInput['reply'],
  options: { text?: string; getSecret?: (ref: string) => Promise<string | undefined>; signal?: AbortSignal } = {},
): Promise<RenderResult> {
  const { engine } = makeEngine();
  const decision = engine.decide(inbound({ text: options.text ?? 'Are you open today?' }), {
    enabled: true,
    rules: [rule({ name: 'Bot', reply })],
  });
  if (decision.kind !== 'reply') throw new Error(decision.message);
  return engine.renderReply(decision, {
    fetch: globalThis.fetch,
    getSecret: options.getSecret ?? (async (ref) => (ref === 'key' ? SECRET : undefined)),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function expectError(result: RenderResult, kind: string, message?: RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.kind).toBe(kind);
  if (message) expect(result.error.message).toMatch(message);
  expect(JSON.stringify(result)).not.toContain(SECRET);
}

describe('template responder', () => {
  it('renders placeholders', async () => {
    expect(await render({ type: 'template', text: 'Hi {first_name}, got “{message}” at {time}.' })).toEqual({
      ok: true,
      text: 'Hi Anna, got “Are you open today?” at 11:00.',
      source: 'template',
    });
  });

  it('an empty result is an error, not an empty message', async () => {
    const { engine } = makeEngine();
    const decision = engine.decide(inbound({ senderName: undefined }), { enabled: true, rules: [rule({ reply: { type: 'template', text: '{name}' } })] });
    if (decision.kind !== 'reply') throw new Error('no decision');
    expectError(await engine.renderReply(decision), 'empty-reply');
  });
});

describe('webhook responder (local HTTP server)', () => {
  it('POSTs message, contact and rule; uses {"reply"}; signs with the secret and never sends it', async () => {
    const result = await render({ type: 'webhook', url: `${base}/json`, secretRef: 'key' });
    expect(result).toEqual({ ok: true, text: 'Hi Anna Schmidt, you said “Are you open today?”', source: 'webhook' });
    const request = seen.filter((s) => s.path === '/json').at(-1)!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-replyline-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.stringify(request)).not.toContain(SECRET);
    expect(request.body).toMatchObject({
      message: { text: 'Are you open today?', isGroup: false, chatJid: '4915112345678@s.whatsapp.net' },
      contact: { jid: '4915112345678@s.whatsapp.net', phone: '4915112345678', name: 'Anna Schmidt' },
      rule: { name: 'Bot' },
    });
  });

  const ok: [string, string][] = [
    ['/text', 'Plain answer'],
    ['/text-brace', '{curly} but not JSON'],
    ['/json-in-text', 'from JSON sent as text'],
  ];
  for (const [path, text] of ok) {
    it(`plain text: ${path}`, async () => {
      expect(await render({ type: 'webhook', url: `${base}${path}` })).toEqual({ ok: true, text, source: 'webhook' });
    });
  }

  const failures: [string, string, RegExp][] = [
    ['/500', 'responder-http-error', /^The webhook answered with an error \(HTTP 500\): Database is down\.$/],
    ['/html-502', 'responder-http-error', /^The webhook answered with an error \(HTTP 502\)\.$/],
    ['/nowhere', 'responder-http-error', /HTTP 404\) \(is the address right\?\)/],
    ['/blank', 'responder-empty', /empty reply/],
    ['/badjson', 'responder-bad-response', /not valid JSON/],
    ['/noreply', 'responder-bad-response', /no "reply" field/],
    ['/number', 'responder-bad-response', /"reply" is not text/],
    ['/big', 'responder-too-large', /^The webhook's answer is larger than 4 KB\.$/],
    ['/big-stream', 'responder-too-large', /larger than 4 KB/],
  ];
  for (const [path, kind, message] of failures) {
    it(`${path} → ${kind}`, async () => {
      expectError(await render({ type: 'webhook', url: `${base}${path}`, maxBytes: 4096 }), kind, message);
    });
  }

  it('an error answer is explained with what the server said', async () => {
    const result = await render({ type: 'webhook', url: `${base}/401-echo`, secretRef: 'key' });
    expectError(result, 'responder-http-error', /^The webhook answered with an error \(HTTP 401\) \(is the key right\?\): Bad token:\.$/);
  });

  it('HTTP 204 and {"reply": null} mean "do not reply", even with a fallback', async () => {
    expectError(await render({ type: 'webhook', url: `${base}/204`, fallback: 'Fallback' }), 'responder-declined', /chose not to reply/);
    expectError(await render({ type: 'webhook', url: `${base}/null`, fallback: 'Fallback' }), 'responder-declined');
  });

  it('times out a slow webhook', async () => {
    const started = performance.now();
    const result = await render({ type: 'webhook', url: `${base}/slow`, timeoutMs: 200 });
    expectError(result, 'responder-timeout', /^The webhook did not answer within 200 ms\.$/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('times out a body that never finishes', async () => {
    expectError(await render({ type: 'webhook', url: `${base}/slow-body`, timeoutMs: 200 }), 'responder-timeout');
  });

  it('uses the fallback text on timeout and says why', async () => {
    const result = await render({ type: 'webhook', url: `${base}/slow`, timeoutMs: 150, fallback: 'Sorry {first_name}, back soon.' });
    expect(result).toMatchObject({
      ok: true,
      text: 'Sorry Anna, back soon.',
      source: 'fallback',
      fallbackReason: { kind: 'responder-timeout', message: 'The webhook did not answer within 150 ms.' },
    });
  });

  it('cannot reach a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await render({ type: 'webhook', url: `http://127.0.0.1:${port}/hook?token=${SECRET}` });
    expectError(result, 'responder-unreachable', new RegExp(`^Could not reach the webhook at 127\\.0\\.0\\.1:${port} \\(connection refused\\)\\.$`));
  });

  it('stops when the caller cancels (no fallback)', async () => {
    const controller = new AbortController();
    const pending = render({ type: 'webhook', url: `${base}/slow`, timeoutMs: 10_000, fallback: 'Fallback' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expectError(await pending, 'aborted', /cancelled/);
  });

  it('a missing secret is reported by its name, and the fallback is used', async () => {
    const result = await render(
      { type: 'webhook', url: `${base}/json`, secretRef: 'webhook-token', fallback: 'Back soon' },
      { getSecret: async () => undefined },
    );
    expect(result).toMatchObject({
      ok: true,
      source: 'fallback',
      fallbackReason: {
        kind: 'secret-missing',
        message: 'The webhook secret “webhook-token” is not set; add it under Settings → Keys and secrets.',
      },
    });
  });

  it('cuts a very long reply to the WhatsApp-friendly maximum', async () => {
    const result = await render({ type: 'webhook', url: `${base}/long` });
    expect(result.ok && result.text.length).toBe(4_096);
    expect(result.ok && result.text.endsWith('…')).toBe(true);
  });
});

describe('OpenAI-compatible responder (local HTTP server)', () => {
  it('sends model, system prompt and message; parses choices[0].message.content without the thinking', async () => {
    const result = await render({
      type: 'openai',
      baseUrl: `${base}/v1/`,
      model: 'llama3.2',
      systemPrompt: 'You answer for Max. The contact is {name}; it is {time}.',
      apiKeyRef: 'key',
      temperature: 0.3,
      maxTokens: 200,
    });
    expect(result).toEqual({ ok: true, text: 'Echo: Are you open today?', source: 'openai' });
    const request = seen.filter((s) => s.path === '/v1/chat/completions').at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request.body).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'You answer for Max. The contact is Anna Schmidt; it is 11:00.' },
        { role: 'user', content: 'Are you open today?' },
      ],
      stream: false,
      temperature: 0.3,
      max_tokens: 200,
    });
  });

  it('works without a key or system prompt (local server)', async () => {
    const result = await render({ type: 'openai', baseUrl: `${base}/v1`, model: 'local' });
    expect(result).toMatchObject({ ok: true, source: 'openai' });
    const request = seen.filter((s) => s.path === '/v1/chat/completions').at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect((request.body as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'Are you open today?' }]);
  });

  it('joins text parts', async () => {
    expect(await render({ type: 'openai', baseUrl: `${base}/parts/v1`, model: 'm' })).toMatchObject({ ok: true, text: 'Part one, part two.' });
  });

  const failures: [string, string, RegExp][] = [
    ['/empty-choices/v1', 'responder-bad-response', /has no reply text/],
    ['/only-thinking/v1', 'responder-empty', /empty reply/],
    [
      '/missing-model/v1',
      'responder-http-error',
      /^The AI chat server does not know the model “llama9” or the address \(HTTP 404\); check both\. It said: model 'llama9' not found\.$/,
    ],
    [
      '/leaky/v1',
      'responder-http-error',
      /^The AI chat server did not accept the API key \(HTTP 401\); check the key\. It said: Incorrect API key provided: •••\.$/,
    ],
    ['/slow/v1', 'responder-timeout', /^The AI chat server did not answer within 300 ms\.$/],
  ];
  for (const [path, kind, message] of failures) {
    it(`${path} → ${kind}`, async () => {
      expectError(await render({ type: 'openai', baseUrl: `${base}${path}`, model: 'llama9', apiKeyRef: 'key', timeoutMs: 300 }), kind, message);
    });
  }

  it('a missing API key without fallback means no reply, and names only the reference', async () => {
    expectError(
      await render({ type: 'openai', baseUrl: `${base}/v1`, model: 'm', apiKeyRef: 'openai-main' }, { getSecret: async () => undefined }),
      'secret-missing',
      /^The API key “openai-main” is not set; add it under Settings → Keys and secrets\.$/,
    );
    expectError(
      await render({ type: 'openai', baseUrl: `${base}/v1`, model: 'm', apiKeyRef: 'key' }, { getSecret: () => Promise.reject(new Error(SECRET)) }),
      'secret-missing',
      /could not be read/,
    );
  });

  it('oversized answers are refused', async () => {
    expectError(
      await render({ type: 'openai', baseUrl: `${base}/big/v1`, model: 'm', maxBytes: 1024 }),
      'responder-too-large',
      /^The AI chat server's answer is larger than 1 KB\.$/,
    );
  });

  it('fallback on failure', async () => {
    const result = await render({ type: 'openai', baseUrl: `${base}/missing-model/v1`, model: 'm', fallback: 'I will answer later.' });
    expect(result).toMatchObject({ ok: true, text: 'I will answer later.', source: 'fallback', fallbackReason: { kind: 'responder-http-error', status: 404 } });
  });
});

describe('OpenAI helpers', () => {
  it('builds the endpoint URL', () => {
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('https://api.example.com/v1///')).toBe('https://api.example.com/v1/chat/completions');
    expect(chatCompletionsUrl('https://x/v1/chat/completions')).toBe('https://x/v1/chat/completions');
  });

  const shapes: [unknown, string | undefined][] = [
    [{ choices: [{ message: { content: 'hi' } }] }, 'hi'],
    [{ choices: [{ message: { content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] } }] }, 'ab'],
    [{ choices: [{ text: 'legacy' }] }, 'legacy'],
    [{ choices: [{ message: { content: null } }] }, undefined],
    [{ choices: [] }, undefined],
    [{ error: 'x' }, undefined],
    [null, undefined],
    ['text', undefined],
  ];
  for (const [json, text] of shapes) {
    it(`extracts from ${JSON.stringify(json)}`, () => expect(extractCompletionText(json)).toBe(text));
  }

  it('strips thinking blocks', () => {
    expect(stripThinking('<think>a</think>Hello<think>b</think> there')).toBe('Hello there');
    expect(stripThinking('Hi <think>cut off')).toBe('Hi ');
    expect(stripThinking('plain')).toBe('plain');
  });
});
