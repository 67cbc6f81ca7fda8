/**
 * electron-store's JSON schema is generated from the contract's zod schemas: the same bounds, and
 * still loose where the hand-written one was (no setting required).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, MAX_DATE_MS, MAX_RULES, SETTINGS_BOUNDS } from '../../main/contract/api.js';
import { openSettingsStore, SETTINGS_JSON_SCHEMA } from '../../main/electron/settings-store.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));
vi.mock('electron-store', () => import('./support/electron-store-shim.js'));

describe("electron-store's JSON schema", () => {
  beforeEach(() => resetFakeElectron());

  it('carries the contract bounds', () => {
    const schema = SETTINGS_JSON_SCHEMA as unknown as Record<string, { properties?: Record<string, unknown>; required?: string[]; maxItems?: number }>;
    // Every setting, each with the type of its default; the numeric ones with the contract's bounds.
    const expected = Object.fromEntries(
      Object.entries(DEFAULT_SETTINGS).map(([key, value]) => {
        if (typeof value === 'boolean') return [key, { type: 'boolean' }];
        const bounds = SETTINGS_BOUNDS[key as keyof typeof SETTINGS_BOUNDS];
        return [key, { type: 'integer', minimum: bounds.min, maximum: bounds.max }];
      }),
    );
    expect(Object.keys(SETTINGS_BOUNDS).every((k) => k in DEFAULT_SETTINGS), 'every bound belongs to a setting').toBe(true);
    expect(schema.settings!.properties).toEqual(expected);
    // And by name, so a setting that comes or goes shows up here.
    expect(Object.keys(schema.settings!.properties!).sort()).toEqual(
      [
        'catchUpWindowMinutes',
        'replyTtlMinutes',
        'typingIndicator',
        'maxRepliesPerMinute',
        'maxRepliesPerChatPerHour',
        'takeoverPauseMinutes',
        'startAtLogin',
        'notifications',
        'closeToTray',
        'chatMemoryDays',
      ].sort(),
    );
    expect(schema.settings!.required).toBeUndefined();
    expect(schema.autoReply).toMatchObject({
      properties: { enabled: { type: 'boolean' }, pausedUntil: { type: 'integer', exclusiveMinimum: 0, maximum: MAX_DATE_MS } },
      required: ['enabled'],
    });
    expect(schema.rules).toMatchObject({ type: 'array', maxItems: MAX_RULES });
  });

  it('opens a file that lacks some settings, and sets aside one whose value breaks a bound', () => {
    const cwd = tempDir();
    openSettingsStore({ cwd }).updateSettings({ replyTtlMinutes: 30 });
    const file = path.join(cwd, 'settings.json');
    const write = (settings: Record<string, unknown>) =>
      writeFileSync(file, JSON.stringify({ settings, autoReply: { enabled: true }, rules: [], __internal__: { migrations: { version: '0.1.0' } } }));

    write({ replyTtlMinutes: 30 });
    expect(openSettingsStore({ cwd, now: () => 1 }).getSettings()).toEqual({ ...DEFAULT_SETTINGS, replyTtlMinutes: 30 });
    expect(readdirSync(cwd)).not.toContain('settings.json.corrupt-1');

    write({ replyTtlMinutes: SETTINGS_BOUNDS.replyTtlMinutes.max + 1 });
    expect(openSettingsStore({ cwd, now: () => 2 }).getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(readdirSync(cwd)).toContain('settings.json.corrupt-2');
  });
});
