/**
 * Rules files through headless mode (a child process, over HTTP): export then import gives back
 * the same rules; the size limit the window's import checks is the one the HTTP API can carry,
 * so a file the window accepts is never refused with 413.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { MAX_REQUEST_BODY_BYTES, MAX_RULES_FILE_BYTES, rulesFileBytes, type Result, type RulesExport } from '../../main/contract/api.js';
import { exportRulesFile } from '../../main/core/autoreply/rules-file.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { echoRule } from '../support/core-harness.js';
import { HeadlessProcess } from '../support/headless-process.js';

let server: FakeWaServer;
let hp: HeadlessProcess;

beforeAll(async () => {
  server = await startFakeWa();
  hp = await HeadlessProcess.start({ dataDir: tempDir('headless-rules-file-'), server });
});

afterAll(async () => {
  await hp?.kill();
  await server?.close();
});

/** A valid rules file padded with spaces until, as it travels, it takes exactly `bytes`. */
function fileOfSize(bytes: number, rules: unknown[]): string {
  const base = exportRulesFile(rules, Date.UTC(2025, 0, 6)).json;
  // Multi-byte characters and escapes count as they travel: a name with both.
  return base + ' '.repeat(bytes - rulesFileBytes(base));
}

it('export, then import (replacing), gives back the same rules', async () => {
  const saved = await hp.ok<Result<{ rules: unknown[] }>>('POST', '/api/rpc/setRules', {
    rules: [echoRule(), echoRule({ id: 'call', name: 'Missed call', match: { type: 'missed-call' }, reply: { type: 'template', text: 'Sorry — {kind}.' }, graceMs: 60_000 })],
  });
  if (!saved.ok) throw new Error('setRules refused');
  const file = await hp.ok<Result<RulesExport>>('POST', '/api/rpc/exportRules');
  if (!file.ok) throw new Error('exportRules refused');
  expect(file.value.fileName).toMatch(/^replyline-rules-\d{4}-\d{2}-\d{2}\.json$/);
  expect(await hp.ok('POST', '/api/rpc/setRules', { rules: [] })).toMatchObject({ ok: true, value: { rules: [] } });
  const imported = await hp.ok<Result<{ rules: unknown[] }>>('POST', '/api/rpc/importRules', { json: file.value.json, mode: 'replace' });
  expect(imported).toEqual({ ok: true, value: { rules: saved.value.rules } });
  expect(await hp.ok('POST', '/api/rpc/getRules')).toEqual({ ok: true, value: { rules: saved.value.rules } });
});

it('the largest file the window accepts goes through headless mode; one byte more is refused in plain words, not with 413', async () => {
  expect(MAX_REQUEST_BODY_BYTES).toBe(256 * 1024);
  const rules = [echoRule({ name: 'Größe “Ω”\n\\ test' })];
  const largest = fileOfSize(MAX_RULES_FILE_BYTES, rules);
  expect(rulesFileBytes(largest)).toBe(MAX_RULES_FILE_BYTES);
  // Its request, as the window's HTTP transport writes it, fits the body limit.
  expect(Buffer.byteLength(JSON.stringify({ json: largest, mode: 'replace' }))).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES);
  const imported = await hp.api<Result<{ rules: Array<{ name: string }> }>>('POST', '/api/rpc/importRules', { json: largest, mode: 'replace' });
  expect(imported.status).toBe(200);
  expect(imported.body).toMatchObject({ ok: true, value: { rules: [{ name: 'Größe “Ω”\n\\ test' }] } });

  const tooLarge = fileOfSize(MAX_RULES_FILE_BYTES + 1, rules);
  const refused = await hp.api('POST', '/api/rpc/importRules', { json: tooLarge, mode: 'replace' });
  expect(refused.status).not.toBe(413);
  expect(refused.body).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
  expect(refused.text).toContain('The file is too large to be a rules file.');
});
