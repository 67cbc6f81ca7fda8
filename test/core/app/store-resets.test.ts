/**
 * A store that had to be reset is told to the person once, in plain words, with where the
 * damaged copy was kept, until they dismiss it: in the snapshot, as an event, by command.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreService, type Core } from '../../../main/core/app/create-core.js';
import type { StoreResetView } from '../../../main/contract/api.js';
import { DEFAULT_SETTINGS } from '../../../main/contract/api.js';
import { tempDir } from '../../support/temp-dir.js';

const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

async function open(dataDir: string): Promise<Core> {
  const core = await createCoreService({ dataDir, autoStart: false });
  cores.push(core);
  return core;
}

async function closeAll(): Promise<void> {
  for (const c of cores.splice(0)) await c.close();
}

describe('a damaged settings.json', () => {
  it('is kept aside, defaults are used with auto-reply off, and the window is told where the copy is until dismissed', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    await first.handle('updateSettings', { replyTtlMinutes: 5 });
    await first.handle('setAutoReply', { enabled: true });
    await closeAll();
    const file = path.join(dataDir, 'settings.json');
    writeFileSync(file, '{"settings": {"replyTtlMinutes": 5}, "autoRe');

    const core = await open(dataDir);
    // Defaults, auto-reply off.
    expect((await core.handle('getSettings', undefined)).ok && core.snapshot().autoReply).toEqual({ enabled: false });
    const settings = await core.handle('getSettings', undefined);
    expect(settings.ok && settings.value).toEqual(DEFAULT_SETTINGS);
    // The copy is next to it, byte for byte.
    const copies = readdirSync(dataDir).filter((n) => n.startsWith('settings.json.corrupt-'));
    expect(copies).toHaveLength(1);
    const copy = path.join(dataDir, copies[0]!);
    expect(readFileSync(copy, 'utf8')).toBe('{"settings": {"replyTtlMinutes": 5}, "autoRe');

    const resets = core.snapshot().storeResets;
    expect(resets).toHaveLength(1);
    expect(resets[0]).toMatchObject({ id: 'settings', store: 'settings', copies: [copy] });
    expect(resets[0]!.title).toMatch(/settings could not be read/i);
    expect(resets[0]!.message).toMatch(/default settings/);
    expect(resets[0]!.message).toMatch(/auto-reply (is )?off/i);

    const events: StoreResetView[][] = [];
    core.on('store-resets', (n) => events.push(n));
    const dismissed = await core.handle('dismissStoreReset', { id: 'settings' });
    expect(dismissed).toEqual({ ok: true, value: [] });
    expect(events).toEqual([[]]);
    expect(core.snapshot().storeResets).toEqual([]);
    expect(existsSync(copy)).toBe(true);
    const again = await core.handle('dismissStoreReset', { id: 'settings' });
    expect(again).toMatchObject({ ok: false, error: { kind: 'not-found' } });

    // Told once: not again after a restart.
    await closeAll();
    const restarted = await open(dataDir);
    expect(restarted.snapshot().storeResets).toEqual([]);
  });
});

describe('any other store that had to be reset', () => {
  it('the outbox log damaged in the middle: one notice, its copy named, the readable part kept', async () => {
    const dataDir = tempDir();
    await open(dataDir);
    await closeAll();
    const log = path.join(dataDir, 'outbox', 'outbox.log');
    // A frame whose length field points past a second frame: damage in the middle, not a torn tail.
    writeFileSync(log, Buffer.concat([Buffer.from([0, 0, 0, 4, 9, 9, 9, 9, 1, 2, 3, 4]), Buffer.alloc(64, 7)]));

    const core = await open(dataDir);
    const resets = core.snapshot().storeResets;
    const outbox = resets.find((n) => n.store === 'outbox');
    expect(outbox, JSON.stringify(resets)).toBeDefined();
    expect(outbox!.copies).toHaveLength(1);
    expect(path.dirname(outbox!.copies[0]!)).toBe(path.dirname(log));
    expect(outbox!.title).toMatch(/replies waiting to go out/);
    expect(outbox!.message).toContain(outbox!.copies[0]);
  });

  it.each([
    ['activity/activity.log', 'activity', /activity list/],
    ['conversation/mutes.log', 'mutes', /muted chats/],
    ['conversation/owner-activity.log', 'owner-activity', /your own recent messages/],
  ] as const)('%s damaged in the middle: told, in its own words', async (file, store, title) => {
    const dataDir = tempDir();
    await open(dataDir);
    await closeAll();
    const log = path.join(dataDir, file);
    writeFileSync(log, Buffer.concat([Buffer.from([0, 0, 0, 4, 9, 9, 9, 9, 1, 2, 3, 4]), Buffer.alloc(64, 7)]));

    const core = await open(dataDir);
    const notice = core.snapshot().storeResets.find((n) => n.store === store);
    expect(notice, JSON.stringify(core.snapshot().storeResets)).toBeDefined();
    expect(notice!.title).toMatch(title);
    expect(path.dirname(notice!.copies[0]!)).toBe(path.dirname(log));
    expect(notice!.message).toContain(notice!.copies[0]);
  });

  it('the chat memory log damaged in the middle: told at the start that set it aside', async () => {
    const dataDir = tempDir();
    await open(dataDir);
    await closeAll();
    const log = path.join(dataDir, 'chat-memory', 'chat-memory.log');
    mkdirSync(path.dirname(log), { recursive: true });
    writeFileSync(log, Buffer.concat([Buffer.from([0, 0, 0, 4, 9, 9, 9, 9, 1, 2, 3, 4]), Buffer.alloc(64, 7)]));

    const core = await open(dataDir);
    const memory = core.snapshot().storeResets.find((n) => n.store === 'chat-memory');
    expect(memory, JSON.stringify(core.snapshot().storeResets)).toBeDefined();
    expect(memory!.copies).toHaveLength(1);
    expect(path.dirname(memory!.copies[0]!)).toBe(path.dirname(log));
    expect(memory!.message).toContain(memory!.copies[0]);
  });
});
