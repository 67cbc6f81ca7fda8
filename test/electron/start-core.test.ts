/**
 * How the desktop app starts its core: the version Electron reports (`app.getVersion()`, read
 * from package.json) reaches the snapshot and the first line of the rotated log file.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeEach, expect, it, vi } from 'vitest';
import { configureLogging } from '../../main/core/logging/logger.js';
import { userDataLayout } from '../../main/electron/paths.js';
import { openSettingsStore } from '../../main/electron/settings-store.js';
import { setupLogging, startCore } from '../../main/electron/start-core.js';
import { CAPTURE_DIR } from '../setup/log-capture.js';
import { tempDir } from '../support/temp-dir.js';
import { app, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));
vi.mock('electron-store', () => import('./support/electron-store-shim.js'));

beforeEach(() => {
  resetFakeElectron();
});

afterAll(() => {
  configureLogging({
    sink: pino.destination({ dest: path.join(CAPTURE_DIR, `worker-${process.pid}.jsonl`), sync: true, append: true }),
    level: 'debug',
  });
});

it('passes app.getVersion() to the core and writes it as the log file\'s first line', async () => {
  app.getVersion.mockReturnValue('7.8.9');
  const layout = userDataLayout(tempDir('replyline-userdata-'));
  const file = await setupLogging(layout.logsDir);
  const settings = openSettingsStore({ cwd: layout.settingsDir, name: layout.settingsName });
  const core = await startCore({ dataDir: layout.dataDir, settings }, { autoStart: false });
  try {
    expect(core.snapshot().version).toBe('7.8.9');
  } finally {
    await core.close();
  }
  await new Promise<void>((resolve) => file.flush(() => resolve()));
  const logs = readdirSync(layout.logsDir);
  expect(logs).toEqual(['replyline.1.log']);
  const first = JSON.parse(readFileSync(path.join(layout.logsDir, logs[0]!), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  expect(first).toMatchObject({ version: '7.8.9', msg: 'Replyline 7.8.9 starting', mode: 'desktop' });
});

it('tells the window when the desktop settings file was damaged, and where the copy is', async () => {
  const layout = userDataLayout(tempDir('replyline-userdata-'));
  mkdirSync(layout.settingsDir, { recursive: true });
  writeFileSync(path.join(layout.settingsDir, 'settings.json'), '{"settings": {');
  const settings = openSettingsStore({ cwd: layout.settingsDir, name: layout.settingsName });
  const core = await startCore({ dataDir: layout.dataDir, settings }, { autoStart: false });
  try {
    expect(core.snapshot().autoReply).toEqual({ enabled: false });
    const [notice] = core.snapshot().storeResets;
    expect(notice).toMatchObject({ id: 'settings' });
    expect(path.dirname(notice!.copies[0]!)).toBe(layout.settingsDir);
    expect(readFileSync(notice!.copies[0]!, 'utf8')).toBe('{"settings": {');
  } finally {
    await core.close();
  }
});
