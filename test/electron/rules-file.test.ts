/**
 * Rules files from the window through IPC, on a real core (createCoreService, not connected):
 * what "Export rules" saves, "Import rules" reads back as the same rules; and the largest file the
 * window accepts passes the IPC payload check too. (The same round trip over headless HTTP is in
 * test/headless/rules-file.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  IPC_COMMAND_PREFIX,
  MAX_RULES_FILE_BYTES,
  rulesFileBytes,
  type CommandResults,
  type Result,
  type RulesExport,
} from '../../main/contract/api.js';
import { createCoreService, type Core } from '../../main/core/app/create-core.js';
import { setupIpc } from '../../main/electron/ipc.js';
import { tempDir } from '../support/temp-dir.js';
import { FakeBrowserWindow, ipcMain, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const APP_PAGE = 'replyline://app/index.html';

/** Rules that use every kind of field the editor has: kinds, a grace period, a schedule, a greeting, a missed call. */
const RULES = [
  {
    id: 'away',
    name: 'Away “Ω”',
    match: { type: 'keywords', keywords: ['price', 'preis'] },
    kinds: ['text', 'image'],
    reply: { type: 'template', text: 'Hi {first_name}, back soon — {kind}: {message}' },
    delay: { minMs: 1_000, maxMs: 3_000, typing: true },
    cooldownMs: 60_000,
    graceMs: 5 * 60_000,
  },
  { id: 'hello', name: 'Greeting', match: { type: 'greeting', quietDays: 14 }, reply: { type: 'template', text: 'Welcome!' } },
  { id: 'call', name: 'Missed call', match: { type: 'missed-call' }, reply: { type: 'template', text: 'Sorry I missed your call.' } },
];

let core: Core;
let dispose: () => void;
const win = () => {
  const w = new FakeBrowserWindow({});
  w.webContents.mainFrame.url = APP_PAGE;
  return w;
};
let from: { sender: FakeBrowserWindow['webContents']; senderFrame: FakeBrowserWindow['webContents']['mainFrame'] };

async function invoke<C extends keyof CommandResults>(command: C, args?: unknown): Promise<Result<CommandResults[C]>> {
  return (await ipcMain.invoke(IPC_COMMAND_PREFIX + command, from, args)) as Result<CommandResults[C]>;
}

async function ok<C extends keyof CommandResults>(command: C, args?: unknown): Promise<CommandResults[C]> {
  const r = await invoke(command, args);
  if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  return r.value;
}

beforeEach(async () => {
  resetFakeElectron();
  core = await createCoreService({ dataDir: tempDir('ipc-rules-'), autoStart: false, timeZone: 'UTC', now: () => Date.UTC(2025, 0, 6, 10) });
  const w = win();
  from = { sender: w.webContents, senderFrame: w.webContents.mainFrame };
  dispose = setupIpc({ core, getWindow: () => w as unknown as Electron.BrowserWindow });
});

afterEach(async () => {
  dispose();
  await core.close();
});

describe('rules file over IPC', () => {
  it('export, then import (replacing), gives back the same rules', async () => {
    const saved = (await ok('setRules', { rules: RULES })).rules;
    const file: RulesExport = await ok('exportRules');
    expect(file.fileName).toBe('replyline-rules-2025-01-06.json');
    expect(JSON.parse(file.json)).toMatchObject({ format: 'replyline-rules', version: 1 });

    await ok('setRules', { rules: [] });
    expect((await ok('getRules')).rules).toEqual([]);
    const imported = (await ok('importRules', { json: file.json, mode: 'replace' })).rules;
    expect(imported).toEqual(saved);
    expect((await ok('getRules')).rules).toEqual(saved);
    // Exporting again writes the same rules.
    expect(JSON.parse((await ok('exportRules')).json).rules).toEqual(JSON.parse(file.json).rules);
  });

  it('takes the largest file the window accepts, and refuses one byte more before it reaches the core', async () => {
    const base = (await ok('exportRules')).json;
    const largest = base + ' '.repeat(MAX_RULES_FILE_BYTES - rulesFileBytes(base));
    expect(await invoke('importRules', { json: largest })).toMatchObject({ ok: true });
    const refused = await invoke('importRules', { json: `${largest} ` });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
    expect(JSON.stringify(refused)).toContain('The file is too large to be a rules file.');
  });
});
