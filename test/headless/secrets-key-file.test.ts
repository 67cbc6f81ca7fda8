/**
 * Where issue 9's secrets meet issue 10's key file: headless mode started with `--key-file` stores
 * the keys entered in the window, sealed like the desktop app's, and after a restart an AI rule and
 * a webhook rule use them against the local fake OpenAI server and webhook receiver. The values are
 * in no file (the sealed store holds them encrypted), no log line and no API answer. Without a key
 * file, storing is refused with the note that says what to do instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ReplyView, Result, SecretsView, SecretView, Snapshot } from '../../main/contract/api.js';
import { HEADLESS_SECRETS_NOTE } from '../../main/headless/cli.js';
import { SECRETS_FILE } from '../../main/core/secrets/index.js';
import { tempDir } from '../support/temp-dir.js';
import { filesHolding } from '../support/files-holding.js';
import { startFakeWa } from '../support/wa-harness.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess } from '../support/headless-process.js';
import { writeKeyFile } from '../support/key-file.js';
import { until } from '../support/poll.js';

const AI_KEY = 'sk-proj-keyfile-window-7f6e5d4c3b2a';
const HOOK_SECRET = 'whsec_keyfile-window-0a1b2c3d4e5f';
registerSecret(AI_KEY);
registerSecret(HOOK_SECRET);

let server: FakeWaServer;
let ai: FakeOpenAi;
let hook: WebhookReceiver;

beforeAll(async () => {
  server = await startFakeWa();
  ai = await startFakeOpenAi({ key: AI_KEY });
  hook = await startWebhookReceiver(HOOK_SECRET);
});
afterAll(async () => {
  await hook?.close();
  await ai?.close();
  await server?.close();
});

/** POST /api/rpc/<command>, keeping every answer's text to check it for secrets. */
function rpcOf(hp: HeadlessProcess, answers: string[]) {
  return async <T>(command: string, body?: unknown): Promise<Result<T>> => {
    const r = await hp.api<Result<T>>('POST', `/api/rpc/${command}`, body);
    answers.push(r.text);
    expect(r.status).toBe(200);
    return r.body;
  };
}

describe.skipIf(process.platform === 'win32')('keys entered in the window of headless mode with --key-file', () => {
  it('are stored sealed, survive a restart, and the AI and webhook rules use them; no file, log or answer holds them', async () => {
    const dataDir = tempDir('headless-keyfile-secrets-');
    const key = writeKeyFile();
    const answers: string[] = [];
    const rules = [
      {
        id: 'hook',
        name: 'Orders',
        match: { type: 'keywords', keywords: ['order'] },
        reply: { type: 'webhook', url: hook.url, secretRef: 'shop-hook', timeoutMs: 5_000 },
        delay: { minMs: 0, maxMs: 0, typing: false },
      },
      {
        id: 'ai',
        name: 'Assistant',
        match: { type: 'any' },
        reply: { type: 'openai', baseUrl: ai.baseUrl, model: 'gpt-4o-mini', apiKeyRef: 'openai', timeoutMs: 5_000 },
        delay: { minMs: 0, maxMs: 0, typing: false },
      },
    ];

    // First run: pair, save the rules, enter both keys through the API the window uses.
    const first = await HeadlessProcess.start({ dataDir, server, extraArgs: ['--key-file', key] });
    try {
      const rpc = rpcOf(first, answers);
      await server.scanQr(await first.nextQr());
      await first.waitForState('open');
      await first.ok('PUT', '/api/rules', { rules });
      await first.ok('POST', '/api/autoreply', { enabled: true });

      // With a key file the window can store secrets: no note.
      expect(await rpc<SecretsView>('listSecrets')).toEqual({
        ok: true,
        value: {
          canStore: true,
          secrets: [
            { name: 'openai', set: false, source: 'none', usedBy: ['Assistant'] },
            { name: 'shop-hook', set: false, source: 'none', usedBy: ['Orders'] },
          ],
        },
      });
      expect(await rpc<SecretView>('setSecret', { name: 'openai', value: AI_KEY })).toEqual({
        ok: true,
        value: { name: 'openai', set: true, source: 'stored', usedBy: ['Assistant'] },
      });
      expect(await rpc<SecretView>('setSecret', { name: 'shop-hook', value: HOOK_SECRET })).toMatchObject({ ok: true, value: { set: true } });
      expect(existsSync(path.join(dataDir, SECRETS_FILE))).toBe(true);
      expect(await first.stop()).toBe(0);
    } finally {
      await first.kill();
    }
    // Nothing used them yet: no request went out with them.
    expect(ai.requests).toEqual([]);
    expect(hook.calls).toEqual([]);

    // Second run on the same folder and key file: the keys are still there and in use.
    const again = await HeadlessProcess.start({ dataDir, server, extraArgs: ['--key-file', key] });
    try {
      const rpc = rpcOf(again, answers);
      await again.waitForState('open');
      expect((await again.ok<Snapshot>('GET', '/api/state')).encryption).toBe('key-file');
      expect(await rpc<SecretsView>('listSecrets')).toEqual({
        ok: true,
        value: {
          canStore: true,
          secrets: [
            { name: 'openai', set: true, source: 'stored', usedBy: ['Assistant'] },
            { name: 'shop-hook', set: true, source: 'stored', usedBy: ['Orders'] },
          ],
        },
      });

      const question = 'key file secrets: are you open on Sunday?';
      const order = 'key file secrets: where is my order 42?';
      for (const text of [question, order]) {
        registerSecret(text);
        registerSecret(`Echo: ${text}`);
        registerSecret(`Hook: ${text}`);
      }
      const asker = server.createContact({ name: 'Ines' });
      const buyer = server.createContact({ name: 'Omar' });
      await asker.sendText(server.defaultAccount, question);
      await buyer.sendText(server.defaultAccount, order);
      const sent = await until(
        async () => {
          const list = await again.ok<ReplyView[]>('GET', '/api/replies');
          return list.filter((r) => r.status === 'sent').length === 2 ? list : undefined;
        },
        15_000,
        'both replies sent',
        50,
      );
      expect(sent.map((r) => r.text).sort()).toEqual([`Echo: ${question}`, `Hook: ${order}`]);
      await server.waitFor(() => asker.received.length >= 1 && buyer.received.length >= 1, 10_000, 'both contacts to get their reply');
      expect(asker.texts()).toEqual([`Echo: ${question}`]);
      expect(buyer.texts()).toEqual([`Hook: ${order}`]);
      // The AI server saw the stored key; the receiver verified the signature made with the stored secret.
      expect(ai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${AI_KEY}`]);
      expect(hook.calls.map((c) => c.verified)).toEqual([true]);
      expect(JSON.stringify(hook.calls[0]!.headers)).not.toContain(HOOK_SECRET);

      // Every answer the API gave, exports included.
      for (const url of ['/api/state', '/api/rules', '/api/replies', '/api/activity', '/api/history', '/api/settings']) {
        answers.push((await again.api('GET', url)).text);
      }
      for (const command of ['exportReplies', 'exportActivity', 'exportRules', 'listActivity', 'getSnapshot']) await rpc(command);
      expect(await again.stop()).toBe(0);
      expect(again.stderr).not.toContain(AI_KEY);
    } finally {
      await again.kill();
    }

    for (const secret of [AI_KEY, HOOK_SECRET]) {
      expect(answers.filter((a) => a.includes(secret))).toEqual([]);
      expect([first, again].flatMap((p) => p.lines).filter((l) => JSON.stringify(l).includes(secret))).toEqual([]);
      // In no file of the data folder (logs included), in plain text, base64 or hex: the sealed store holds it encrypted.
      expect(await filesHolding(dataDir, secret)).toEqual([]);
    }
  }, 60_000);
});

describe('headless mode without a key file', () => {
  it('refuses to store a key entered in the window, with the note that says what to do; writes nothing', async () => {
    const dataDir = tempDir('headless-nokey-secrets-');
    const hp = await HeadlessProcess.start({ dataDir, server });
    const answers: string[] = [];
    try {
      const rpc = rpcOf(hp, answers);
      expect(await rpc<SecretsView>('listSecrets')).toEqual({ ok: true, value: { canStore: false, note: HEADLESS_SECRETS_NOTE, secrets: [] } });
      expect(await rpc('setSecret', { name: 'openai', value: AI_KEY })).toEqual({
        ok: false,
        error: { kind: 'not-allowed-now', message: HEADLESS_SECRETS_NOTE },
      });
      expect(await hp.stop()).toBe(0);
    } finally {
      await hp.kill();
    }
    // The note names both ways: a key file, or the environment / a secrets file.
    expect(HEADLESS_SECRETS_NOTE).toContain('--key-file PATH');
    expect(HEADLESS_SECRETS_NOTE).toContain('REPLYLINE_SECRET_<NAME>');
    expect(HEADLESS_SECRETS_NOTE).toContain('--secrets-file PATH');
    expect(answers.filter((a) => a.includes(AI_KEY))).toEqual([]);
    expect(await filesHolding(dataDir, AI_KEY)).toEqual([]);
    expect(existsSync(path.join(dataDir, SECRETS_FILE))).toBe(false);
  }, 30_000);
});
