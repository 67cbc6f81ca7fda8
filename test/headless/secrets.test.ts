/**
 * Headless mode's secrets: `REPLYLINE_SECRET_<NAME>` and a private `--secrets-file` (refused,
 * with the reason, when others can read it), passed to the core: the AI responder uses the key,
 * `POST /api/rpc/testResponder` tries a responder, the window's list says "set" without the value,
 * and no answer of the API holds a secret. Without a key to encrypt with, the window cannot store
 * secrets and says what to do instead (with a key file it can: secrets-key-file.test.ts).
 */
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ReplyView, ResponderTestView, Result, SecretsView } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess, runCli } from '../support/headless-process.js';
import { HEADLESS_SECRETS_NOTE } from '../../main/headless/cli.js';
import { until } from '../support/poll.js';

const ENV_KEY = 'sk-proj-headless-env-5e4d3c2b1a09';
const FILE_KEY = 'sk-proj-headless-file-99887766aa';
registerSecret(ENV_KEY);
registerSecret(FILE_KEY);
const LOSING_KEY = 'sk-proj-headless-file-loses-4455ff';
registerSecret(LOSING_KEY);

let server: FakeWaServer;
let ai: FakeOpenAi;

beforeAll(async () => {
  server = await startFakeWa();
  ai = await startFakeOpenAi({ key: ENV_KEY });
});
afterAll(async () => {
  await ai?.close();
  await server?.close();
});

function secretsFile(content: unknown, mode: number): string {
  const file = path.join(tempDir('headless-secrets-'), 'secrets.json');
  writeFileSync(file, JSON.stringify(content), { mode });
  chmodSync(file, mode);
  return file;
}

describe.skipIf(process.platform === 'win32')('--secrets-file permissions', () => {
  it('refuses a file others can read: exit 1, the reason and the fix on stderr, nothing started', async () => {
    const file = secretsFile({ openai: FILE_KEY }, 0o644);
    const dataDir = tempDir('headless-secrets-data-');
    const r = await runCli(['--json', '--data-dir', dataDir, '--secrets-file', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^replyline headless: the secrets file .*secrets\.json can be read or changed by other users \(mode 644\); make it private with: chmod 600 /);
    expect(r.stderr + r.stdout).not.toContain(FILE_KEY);
    expect(r.stdout).toBe('');
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('secrets from the environment and a file', () => {
  it('the AI responder uses the environment key; Test works over HTTP; the list says set, never the value', async () => {
    // The file also has a value for "openai": the environment's wins (and the list says so).
    const file = secretsFile({ 'hook-secret': FILE_KEY, openai: LOSING_KEY }, 0o600);
    const hp = await HeadlessProcess.start({
      dataDir: tempDir('headless-secrets-data-'),
      server,
      extraArgs: ['--secrets-file', file],
      env: { REPLYLINE_SECRET_OPENAI: ENV_KEY },
    });
    const answers: string[] = [];
    const rpc = async <T>(command: string, body?: unknown): Promise<Result<T>> => {
      const r = await hp.api<Result<T>>('POST', `/api/rpc/${command}`, body);
      answers.push(r.text);
      expect(r.status).toBe(200);
      return r.body;
    };
    try {
      await server.scanQr(await hp.nextQr());
      await hp.waitForState('open');
      const rule = {
        id: 'ai',
        name: 'Assistant',
        match: { type: 'any' },
        reply: { type: 'openai', baseUrl: ai.baseUrl, model: 'gpt-4o-mini', apiKeyRef: 'openai', timeoutMs: 5_000 },
        delay: { minMs: 0, maxMs: 0, typing: false },
      };
      await hp.ok('PUT', '/api/rules', { rules: [rule] });
      await hp.ok('POST', '/api/autoreply', { enabled: true });

      const listed = await rpc<SecretsView>('listSecrets');
      expect(listed).toEqual({
        ok: true,
        value: {
          canStore: false,
          note: HEADLESS_SECRETS_NOTE,
          secrets: [
            { name: 'hook-secret', set: true, source: 'file', usedBy: [] },
            { name: 'openai', set: true, source: 'environment', overridden: ['file'], usedBy: ['Assistant'] },
          ],
        },
      });
      expect(await rpc('setSecret', { name: 'openai', value: 'sk-something-else-123' })).toMatchObject({
        ok: false,
        error: { kind: 'not-allowed-now', message: '“openai” comes from the environment variable REPLYLINE_SECRET_OPENAI; change it there and restart.' },
      });

      const tested = await rpc<ResponderTestView>('testResponder', { reply: rule.reply, message: 'Are you open on Sunday?' });
      expect(tested).toEqual({ ok: true, value: { outcome: 'reply', text: 'Echo: Are you open on Sunday?', ms: expect.any(Number) } });

      const text = 'headless secrets: what time do you close?';
      registerSecret(text);
      registerSecret(`Echo: ${text}`);
      const contact = server.createContact({ name: 'Gus' });
      await contact.sendText(server.defaultAccount, text);
      const sent = await until(async () => (await hp.ok<ReplyView[]>('GET', '/api/replies')).find((r) => r.status === 'sent'), 15_000, 'the AI reply', 50);
      expect(sent.text).toBe(`Echo: ${text}`);
      expect(ai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ENV_KEY}`);

      answers.push((await hp.api('GET', '/api/state')).text, (await hp.api('GET', '/api/rules')).text, (await hp.api('GET', '/api/replies')).text);
      for (const secret of [ENV_KEY, FILE_KEY, LOSING_KEY]) expect(answers.filter((a) => a.includes(secret))).toEqual([]);
      expect(hp.lines.some((l) => JSON.stringify(l).includes(ENV_KEY))).toBe(false);
      expect(await hp.stop()).toBe(0);
      expect(hp.stderr).not.toContain(ENV_KEY);
    } finally {
      await hp.kill();
    }
  }, 45_000);
});
