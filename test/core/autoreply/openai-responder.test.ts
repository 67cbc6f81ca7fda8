/**
 * The AI responder against a local server that holds requests to the chat-completions API's
 * shapes (test/support/fake-openai.ts): the bearer key, the request body, the answer, and the
 * API's error bodies. Each failure is one request (no hidden retries), explained in plain words,
 * never with the key in it; then the fallback text, or no reply.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatTurn, RenderResult, RuleInput } from '../../../main/core/autoreply/index.js';
import { selectContext } from '../../../main/core/autoreply/index.js';
import { registerSecret } from '../../setup/log-capture.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.js';
import { inbound, makeEngine, rule } from './fixtures.js';

const KEY = 'sk-proj-responder-test-4c1d9e7a0b2f';
const WRONG = 'sk-proj-wrong-key-77aa11bb22cc';
registerSecret(KEY);
registerSecret(WRONG);

let api: FakeOpenAi;

beforeAll(async () => {
  api = await startFakeOpenAi({ key: KEY });
});
afterAll(() => api.close());
afterEach(() => {
  api.fault(undefined);
  api.answer = (r) => `Echo: ${r.messages.at(-1)!.content}`;
});

type OpenAiInput = Extract<NonNullable<RuleInput['reply']>, { type: 'openai' }>;

async function render(
  reply: Partial<OpenAiInput> = {},
  options: { key?: string | undefined; text?: string; history?: ChatTurn[] } = {},
): Promise<RenderResult> {
  const { engine } = makeEngine();
  const msg = inbound({ text: options.text ?? 'Do you deliver on Saturdays?' });
  const decision = engine.decide(msg, {
    enabled: true,
    rules: [rule({ name: 'AI', reply: { type: 'openai', baseUrl: api.baseUrl, model: 'gpt-4o-mini', apiKeyRef: 'openai', ...reply } })],
  });
  if (decision.kind !== 'reply') throw new Error(decision.message);
  const key = 'key' in options ? options.key : KEY;
  return engine.renderReply(decision, {
    getSecret: async (name) => (name === 'openai' ? key : undefined),
    replyId: '3EB0TESTREPLY',
    history: () => options.history ?? [],
  });
}

/** Exactly one request reached the server for `run`: no retry, whatever happened. */
async function once(run: () => Promise<RenderResult>): Promise<RenderResult> {
  const before = api.requests.length;
  const result = await run();
  expect(api.requests.length - before, 'requests made').toBe(1);
  expect(JSON.stringify(result)).not.toContain(KEY);
  expect(JSON.stringify(result)).not.toContain(WRONG);
  return result;
}

describe('the request and the answer', () => {
  it('sends the bearer key, the model, the instructions and the message in the API shape; reads choices[0].message.content', async () => {
    const result = await once(() => render({ systemPrompt: 'You answer for Max’s bakery. The contact is {first_name}.', temperature: 0.2, maxTokens: 150 }));
    expect(result).toEqual({ ok: true, text: 'Echo: Do you deliver on Saturdays?', source: 'openai' });
    const seen = api.requests.at(-1)!;
    expect(seen.status).toBe(200);
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen.headers['content-type']).toMatch(/^application\/json/);
    expect(api.completions.at(-1)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You answer for Max’s bakery. The contact is Anna.' },
        { role: 'user', content: 'Do you deliver on Saturdays?' },
      ],
      stream: false,
      temperature: 0.2,
      max_tokens: 150,
    });
  });

  it('sends only the headers it means to: no platform headers, nothing from OPENAI_* variables', async () => {
    const saved = { ...process.env };
    process.env.OPENAI_API_KEY = 'sk-from-the-environment-000';
    process.env.OPENAI_ORG_ID = 'org-from-env';
    process.env.OPENAI_CUSTOM_HEADERS = 'X-Leak: yes';
    try {
      const local = await startFakeOpenAi();
      try {
        const result = await render({ baseUrl: local.baseUrl, apiKeyRef: undefined });
        expect(result).toMatchObject({ ok: true, source: 'openai' });
        const headers = local.requests[0]!.headers;
        expect(headers.authorization).toBeUndefined();
        expect(Object.keys(headers).filter((h) => /^(x-stainless|openai-|x-leak)/.test(h))).toEqual([]);
      } finally {
        await local.close();
      }
    } finally {
      process.env = saved;
    }
  });

  it('sends the earlier turns between the instructions and the message, oldest first, with roles', async () => {
    const history: ChatTurn[] = [
      { role: 'contact', text: 'Hi, are you open tomorrow?', at: 1 },
      { role: 'reply', text: 'Yes, from 8 to 18.', at: 2 },
      { role: 'owner', text: 'We also have fresh rye bread.', at: 3 },
    ];
    await once(() => render({ systemPrompt: 'Be brief.' }, { history }));
    expect(api.completions.at(-1)!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi, are you open tomorrow?' },
      { role: 'assistant', content: 'Yes, from 8 to 18.' },
      { role: 'assistant', content: 'We also have fresh rye bread.' },
      { role: 'user', content: 'Do you deliver on Saturdays?' },
    ]);
  });

  it('a key the server echoes back in its answer is not passed on', async () => {
    api.answer = () => `Your key is ${KEY}, thanks`;
    expect(await once(() => render())).toEqual({ ok: true, text: 'Your key is •••, thanks', source: 'openai' });
  });

  it('a full endpoint address works as well as a base address', async () => {
    expect(await once(() => render({ baseUrl: `${api.baseUrl}/chat/completions/` }))).toMatchObject({ ok: true });
  });
});

describe('failures: one request, plain words, then the fallback or no reply', () => {
  const cases: Array<[string, Partial<OpenAiInput>, { key?: string }, () => void, RegExp, number | undefined]> = [
    ['a wrong key (401)', {}, { key: WRONG }, () => undefined, /^The AI chat server did not accept the API key \(HTTP 401\); check the key\. It said: Incorrect API key provided: •••\.$/, 401],
    ['no key where one is needed (401)', { apiKeyRef: undefined }, {}, () => undefined, /did not accept the API key \(HTTP 401\).*You didn't provide an API key/, 401],
    ['no access to the model (403)', {}, {}, () => api.fault({ status: 403 }), /refused access \(HTTP 403\); check that the key may use the model “gpt-4o-mini”\. It said: You are not allowed to sample from this model\.$/, 403],
    ['an unknown model (404)', { model: 'gpt-9-ultra' }, {}, () => undefined, /^The AI chat server does not know the model “gpt-9-ultra” or the address \(HTTP 404\); check both\. It said: The model `gpt-9-ultra` does not exist or you do not have access to it\.$/, 404],
    ['rate limited (429)', {}, {}, () => api.fault({ status: 429 }), /^The AI chat server says there were too many requests or the quota is used up \(HTTP 429\); try again later\. It said: Rate limit reached/, 429],
    ['a server error (500)', {}, {}, () => api.fault({ status: 500 }), /^The AI chat server had a problem of its own \(HTTP 500\); try again later\. It said: The server had an error/, 500],
    ['overloaded (503)', {}, {}, () => api.fault({ status: 503 }), /had a problem of its own \(HTTP 503\)/, 503],
    ['an HTML error page (502)', {}, {}, () => api.fault({ raw: { status: 502, type: 'text/html', body: '<html>Bad gateway</html>' } }), /^The AI chat server had a problem of its own \(HTTP 502\); try again later\.$/, 502],
    ['an answer that is not JSON', {}, {}, () => api.fault({ raw: { status: 200, type: 'text/plain', body: 'hello there' } }), /^The AI chat server's answer is not valid JSON\.$/, undefined],
    ['JSON without choices', {}, {}, () => api.fault({ raw: { status: 200, type: 'application/json', body: '{"object":"chat.completion","choices":[]}' } }), /has no reply text/, undefined],
    ['an answer larger than the limit', { maxBytes: 1024 }, {}, () => api.fault({ raw: { status: 200, type: 'application/json', body: JSON.stringify({ choices: [{ message: { content: 'x'.repeat(5000) } }] }) } }), /^The AI chat server's answer is larger than 1 KB\.$/, undefined],
    ['no answer in time', { timeoutMs: 300 }, {}, () => api.fault({ hang: true }), /^The AI chat server did not answer within 300 ms\.$/, undefined],
  ];
  for (const [what, reply, opts, arrange, message, status] of cases) {
    it(`${what}: no reply without a fallback`, async () => {
      arrange();
      const result = await once(() => render(reply, opts));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.message).toMatch(message);
      expect(result.error.status).toBe(status);
    });
    it(`${what}: the fallback text, with the reason`, async () => {
      arrange();
      const result = await once(() => render({ ...reply, fallback: 'Thanks {first_name}, I will answer soon.' }, opts));
      expect(result).toMatchObject({ ok: true, source: 'fallback', text: 'Thanks Anna, I will answer soon.' });
      expect(result.ok && result.fallbackReason?.message).toMatch(message);
    });
  }

  it('an unreachable server', async () => {
    const closed = await startFakeOpenAi();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const result = await render({ baseUrl });
    expect(result).toMatchObject({ ok: false, error: { kind: 'responder-unreachable' } });
    expect(!result.ok && result.error.message).toMatch(/^Could not reach the AI chat server at 127\.0\.0\.1:\d+ \(connection refused\)\.$/);
  });

  it('a missing key: the plain reason and the fallback, no request made', async () => {
    const before = api.requests.length;
    const result = await render({ fallback: 'Back soon.' }, { key: undefined });
    expect(api.requests.length).toBe(before);
    expect(result).toMatchObject({
      ok: true,
      text: 'Back soon.',
      fallbackReason: { kind: 'secret-missing', message: 'The API key “openai” is not set; add it under Settings → Keys and secrets.' },
    });
  });
});

describe('selectContext: the most recent turns within the rule’s limits', () => {
  const turns: ChatTurn[] = [
    { role: 'contact', text: 'one', at: 1 },
    { role: 'reply', text: 'two', at: 2 },
    { role: 'contact', text: 'three', at: 3 },
    { role: 'owner', text: 'four', at: 4 },
  ];
  it('keeps order and maps roles', () => {
    expect(selectContext(turns, 10, 1000)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
      { role: 'assistant', content: 'four' },
    ]);
  });
  it('at most N turns, the newest', () => {
    expect(selectContext(turns, 2, 1000).map((m) => m.content)).toEqual(['three', 'four']);
    expect(selectContext(turns, 0, 1000)).toEqual([]);
  });
  it('within the character budget, stopping at the first turn that does not fit', () => {
    // four (4) + three (5) = 9; two (3) would make 12.
    expect(selectContext(turns, 10, 11).map((m) => m.content)).toEqual(['three', 'four']);
    expect(selectContext([...turns, { role: 'contact', text: 'x'.repeat(50), at: 5 }], 10, 20)).toEqual([]);
  });
  it('skips empty turns', () => {
    expect(selectContext([{ role: 'contact', text: '  ', at: 1 }, ...turns.slice(3)], 10, 100)).toEqual([{ role: 'assistant', content: 'four' }]);
  });
});
