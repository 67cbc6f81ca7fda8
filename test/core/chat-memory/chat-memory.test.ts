/**
 * Chat memory: turns kept per chat in order, sealed on disk, bounded (turns per chat, chats,
 * retention), and "forget" removes the text from the file, not just from view.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAT_MEMORY_FILE, ChatMemory } from '../../../main/core/chat-memory/index.js';
import { aesGcmCipher } from '../../../main/core/storage/cipher.js';
import { registerSecret } from '../../setup/log-capture.js';
import { tempDir } from '../../support/temp-dir.js';

const DAY = 24 * 3_600_000;
const T0 = Date.UTC(2025, 4, 12, 9, 0);
const CHAT = '4915112345678@s.whatsapp.net';
const OTHER = '4915187654321@s.whatsapp.net';
const cipher = aesGcmCipher(Buffer.alloc(32, 5));

function open(dir: string, o: { now?: () => number; days?: () => number; maxTurnsPerChat?: number; maxChats?: number } = {}) {
  return ChatMemory.open({
    dir,
    cipher,
    now: o.now ?? (() => T0),
    retentionMs: () => (o.days ? o.days() : 30) * DAY,
    ...(o.maxTurnsPerChat ? { maxTurnsPerChat: o.maxTurnsPerChat } : {}),
    ...(o.maxChats ? { maxChats: o.maxChats } : {}),
  });
}

async function fileHolds(dir: string, text: string): Promise<boolean> {
  try {
    return (await fs.readFile(path.join(dir, CHAT_MEMORY_FILE))).includes(text);
  } catch {
    return false;
  }
}

describe('ChatMemory', () => {
  it('keeps contact, reply and owner turns in time order across a restart; one message once', async () => {
    const dir = tempDir('chat-memory-');
    const m = await open(dir);
    await m.record(CHAT, { role: 'contact', text: 'Hello, is the blue one in stock?', at: T0 - 3000, ref: 'IN1' }, { name: 'Anna', masked: '+49 ••• 78' });
    await m.record(CHAT, { role: 'reply', text: 'Yes, two left.', at: T0 - 2000, ref: 'OUT1' });
    await m.recordOwnerMessage({ chatJid: CHAT, id: 'OWN1', text: 'I can hold one for you.', timestamp: T0 - 1000 });
    await m.record(CHAT, { role: 'contact', text: 'Hello, is the blue one in stock?', at: T0 - 3000, ref: 'IN1' });
    await m.close();

    const again = await open(dir);
    expect(again.turns(CHAT).map((t) => [t.role, t.text])).toEqual([
      ['contact', 'Hello, is the blue one in stock?'],
      ['reply', 'Yes, two left.'],
      ['owner', 'I can hold one for you.'],
    ]);
    expect(again.list()).toEqual([{ id: expect.any(String), contactName: 'Anna', contactMasked: '+49 ••• 78', turns: 3, lastAt: T0 - 1000 }]);
    await again.close();
  });

  it('is sealed on disk', async () => {
    const dir = tempDir('chat-memory-');
    const text = 'chat memory sealed text 7f3a';
    registerSecret(text);
    const m = await open(dir);
    await m.record(CHAT, { role: 'contact', text, at: T0 });
    await m.close();
    expect(await fileHolds(dir, text)).toBe(false);
    expect((await fs.readFile(path.join(dir, CHAT_MEMORY_FILE))).length).toBeGreaterThan(0);
  });

  it('leaves out the message being answered and what the contact sent after it', async () => {
    const m = await open(tempDir('chat-memory-'));
    await m.record(CHAT, { role: 'contact', text: 'first', at: T0 + 1, ref: 'A' });
    await m.record(CHAT, { role: 'contact', text: 'second', at: T0 + 2, ref: 'B' });
    await m.record(CHAT, { role: 'reply', text: 'answer to first', at: T0 + 3, ref: 'R1' });
    await m.record(CHAT, { role: 'contact', text: 'third', at: T0 + 4, ref: 'C' });
    expect(m.turns(CHAT, 'B').map((t) => t.text)).toEqual(['first', 'answer to first']);
    expect(m.turns(CHAT, 'unknown').map((t) => t.text)).toEqual(['first', 'second', 'answer to first', 'third']);
    await m.close();
  });

  it('bounded: turns per chat, number of chats, and the length of one turn', async () => {
    const m = await open(tempDir('chat-memory-'), { maxTurnsPerChat: 3, maxChats: 2 });
    for (let i = 0; i < 5; i++) await m.record(CHAT, { role: 'contact', text: `m${i}`, at: T0 - 100 + i });
    expect(m.turns(CHAT).map((t) => t.text)).toEqual(['m2', 'm3', 'm4']);
    await m.record(OTHER, { role: 'contact', text: 'other', at: T0 - 50 });
    await m.record('4915100000000@s.whatsapp.net', { role: 'contact', text: 'newest', at: T0 });
    // A third chat: the quietest one goes.
    expect(m.list().map((c) => c.lastAt)).toEqual([T0, T0 - 50]);
    expect(m.turns(CHAT)).toEqual([]);
    await m.record(OTHER, { role: 'contact', text: 'x'.repeat(5_000), at: T0 + 1 });
    expect([...m.turns(OTHER).at(-1)!.text].length).toBe(2_000);
    await m.close();
  });

  it('retention: older turns are dropped, from disk too at the next start; 0 days keeps nothing', async () => {
    const dir = tempDir('chat-memory-');
    const old = 'an old message past retention 91c2';
    registerSecret(old);
    let now = T0;
    let days = 7;
    const m = await open(dir, { now: () => now, days: () => days });
    await m.record(CHAT, { role: 'contact', text: old, at: T0 - 6 * DAY });
    await m.record(CHAT, { role: 'contact', text: 'recent', at: T0 });
    now = T0 + 2 * DAY;
    expect(m.turns(CHAT).map((t) => t.text)).toEqual(['recent']);
    await m.close();
    const plain = await ChatMemory.open({ dir, now: () => now, retentionMs: () => days * DAY, cipher });
    expect(plain.turns(CHAT).map((t) => t.text)).toEqual(['recent']);
    await plain.close();

    days = 0;
    const none = await open(dir, { now: () => now, days: () => days });
    expect(none.list()).toEqual([]);
    await none.record(CHAT, { role: 'contact', text: 'not kept', at: now });
    expect(none.list()).toEqual([]);
    await none.close();
  });

  it('forget one chat, and forget all: the text leaves the file at once', async () => {
    const keep = 'the chat that stays 55aa';
    const gone = 'the chat that is forgotten 66bb';
    registerSecret(keep);
    registerSecret(gone);
    // Unsealed, so the file can be searched for the text.
    const plainDir = tempDir('chat-memory-plain-');
    const plain = await ChatMemory.open({ dir: plainDir, now: () => T0, retentionMs: () => DAY });
    await plain.record(CHAT, { role: 'contact', text: gone, at: T0 }, { name: 'Anna', masked: '+49 ••• 78' });
    await plain.record(OTHER, { role: 'contact', text: keep, at: T0 }, { name: 'Ben', masked: '+49 ••• 21' });
    expect(await fileHolds(plainDir, gone)).toBe(true);
    const anna = plain.list().find((c) => c.contactName === 'Anna')!;
    expect(await plain.forget(anna.id)).toBe(true);
    expect(await plain.forget(anna.id)).toBe(false);
    expect(await fileHolds(plainDir, gone)).toBe(false);
    expect(await fileHolds(plainDir, keep)).toBe(true);
    expect(plain.turns(CHAT)).toEqual([]);
    await plain.forgetAll();
    expect(await fileHolds(plainDir, keep)).toBe(false);
    expect(plain.list()).toEqual([]);
    await plain.close();
  });
});

describe('ChatMemory file', () => {
  it('is made only when the first turn is kept', async () => {
    const dir = tempDir('chat-memory-');
    const m = await open(dir);
    expect(m.list()).toEqual([]);
    expect(await fs.readdir(dir)).toEqual([]);
    await m.forgetAll();
    expect(await fs.readdir(dir)).toEqual([]);
    await m.record(CHAT, { role: 'contact', text: 'hello there', at: T0 });
    expect(await fs.readdir(dir)).toEqual([CHAT_MEMORY_FILE]);
    await m.close();
    const again = await open(dir);
    expect(again.turns(CHAT).map((t) => t.text)).toEqual(['hello there']);
    await again.close();
  });
});
