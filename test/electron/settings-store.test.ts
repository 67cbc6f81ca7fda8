import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../main/contract/api.js';
import { openSettingsStore, readSettings } from '../../main/electron/settings-store.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));
vi.mock('electron-store', () => import('./support/electron-store-shim.js'));

const fileOf = (dir: string) => path.join(dir, 'settings.json');
const readJson = (dir: string) => JSON.parse(readFileSync(fileOf(dir), 'utf8')) as Record<string, unknown>;

describe('settings store (electron-store)', () => {
  beforeEach(() => resetFakeElectron());

  it('starts from the defaults: settings, auto-reply off, no rules', () => {
    const store = openSettingsStore({ cwd: tempDir() });
    expect(store.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(store.getAutoReply()).toEqual({ enabled: false });
    expect(store.getRules()).toEqual([]);
  });

  it('persists changes across reopen', () => {
    const cwd = tempDir();
    const a = openSettingsStore({ cwd });
    expect(a.updateSettings({ replyTtlMinutes: 30, startAtLogin: true })).toMatchObject({ replyTtlMinutes: 30, startAtLogin: true });
    a.setAutoReply({ enabled: true, pausedUntil: 1_900_000_000_000 });
    a.setRules([{ name: 'Away', reply: 'Back soon' }]);
    const b = openSettingsStore({ cwd });
    expect(b.getSettings()).toEqual({ ...DEFAULT_SETTINGS, replyTtlMinutes: 30, startAtLogin: true });
    expect(b.getAutoReply()).toEqual({ enabled: true, pausedUntil: 1_900_000_000_000 });
    expect(b.getRules()).toEqual([{ name: 'Away', reply: 'Back soon' }]);
    expect(readJson(cwd).__internal__).toMatchObject({ migrations: { version: '0.1.0' } });
  });

  it('refuses invalid values and keeps the stored ones', () => {
    const store = openSettingsStore({ cwd: tempDir() });
    expect(() => store.updateSettings({ replyTtlMinutes: 0 })).toThrow();
    expect(() => store.setAutoReply({ enabled: 'yes' as unknown as boolean })).toThrow();
    expect(() => store.setRules(new Array(201).fill({}))).toThrow();
    expect(store.getSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it('returns copies, not its cache', () => {
    const store = openSettingsStore({ cwd: tempDir() });
    store.getSettings().replyTtlMinutes = 5;
    store.getRules().push('x');
    expect(store.getSettings().replyTtlMinutes).toBe(DEFAULT_SETTINGS.replyTtlMinutes);
    expect(store.getRules()).toEqual([]);
  });

  it('migrates an older or half-written file key by key, keeping what is valid', () => {
    const cwd = tempDir();
    writeFileSync(fileOf(cwd), JSON.stringify({ settings: { replyTtlMinutes: 'soon', typingIndicator: false }, autoReply: 'on', rules: {} }));
    const store = openSettingsStore({ cwd });
    expect(store.getSettings()).toEqual({ ...DEFAULT_SETTINGS, typingIndicator: false });
    expect(store.getAutoReply()).toEqual({ enabled: false });
    expect(store.getRules()).toEqual([]);
    expect(readJson(cwd).settings).toEqual({ ...DEFAULT_SETTINGS, typingIndicator: false });
  });

  it('moves an unreadable file aside and starts fresh', () => {
    const cwd = tempDir();
    writeFileSync(fileOf(cwd), '{ this is not json');
    const store = openSettingsStore({ cwd, now: () => 42 });
    expect(store.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(readdirSync(cwd)).toContain('settings.json.corrupt-42');
    store.updateSettings({ notifications: false });
    expect(openSettingsStore({ cwd }).getSettings().notifications).toBe(false);
  });

  it('moves aside a migrated file that breaks the schema', () => {
    const cwd = tempDir();
    openSettingsStore({ cwd }).updateSettings({ replyTtlMinutes: 30 });
    const json = readJson(cwd);
    writeFileSync(fileOf(cwd), JSON.stringify({ ...json, autoReply: { enabled: 'maybe' } }));
    const store = openSettingsStore({ cwd, now: () => 7 });
    expect(store.getAutoReply()).toEqual({ enabled: false });
    expect(readdirSync(cwd)).toContain('settings.json.corrupt-7');
  });

  it('readSettings tolerates anything', () => {
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings([1, 2])).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ catchUpWindowMinutes: 5, extra: 1 })).toEqual({ ...DEFAULT_SETTINGS, catchUpWindowMinutes: 5 });
  });
});
