/**
 * The stores behind conversation awareness, on real files: the activity log (bounded by age and
 * count, encrypted, updated in place), the muted chats, the owner's last message per chat, the
 * contact memory with times (and its records from before times were kept), and the chat ids.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RecordLog } from '../../../main/core/storage/record-log.js';
import { passphraseKeyWrapper, loadOrCreateDataKey } from '../../../main/core/storage/cipher.js';
import { ActivityLog, type NewActivityEntry } from '../../../main/core/activity/index.js';
import { MAX_PREVIEW } from '../../../main/core/activity/activity-log.js';
import { MuteStore } from '../../../main/core/conversation/mute-store.js';
import { OwnerActivity } from '../../../main/core/conversation/owner-activity.js';
import { ChatIds } from '../../../main/core/conversation/chat-ids.js';
import { Conversations } from '../../../main/core/conversation/conversations.js';
import { LidLinks } from '../../../main/core/conversation/lid-links.js';
import { PersistedContactMemory } from '../../../main/core/app/contact-memory.js';
import { registerSecret } from '../../setup/log-capture.js';
import { tempDir } from '../../support/temp-dir.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 4, 12, 9, 30);

const record = (key: string, over: Partial<NewActivityEntry> = {}): NewActivityEntry => ({
  key,
  at: T0,
  decidedAt: T0,
  chatKey: 'p:4915112345678',
  chatJid: '4915112345678@s.whatsapp.net',
  contactJid: '4915112345678@s.whatsapp.net',
  contactName: 'Anna',
  contactMasked: '+49 ••• ••• 56 78',
  isGroup: false,
  kind: 'text',
  preview: 'hello',
  outcome: 'skipped',
  reason: 'disabled',
  explanation: 'Auto-reply is off.',
  ...over,
});

describe('activity log', () => {
  it('keeps a record per message (the first one), updates it in place, and reads it back encrypted', async () => {
    const dir = tempDir('activity-');
    const cipher = await loadOrCreateDataKey(path.join(dir, 'data.key'), passphraseKeyWrapper(Buffer.alloc(32, 3)));
    const secretText = 'the secret plan for Tuesday';
    registerSecret(secretText);
    const log = await ActivityLog.open({ dir, cipher, now: () => T0 });
    const first = await log.add(record('c|1', { preview: secretText, outcome: 'replied', reason: undefined, replyId: 'R1', explanation: 'Answered by rule “Away”.' }));
    expect((await log.add(record('c|1', { preview: 'again' }))).id).toBe(first.id); // handled again after a crash
    await log.update('c|1', { outcome: 'cancelled', reason: 'owner-answered', explanation: 'Cancelled: you answered.' });
    await log.close();
    expect(readFileSync(path.join(dir, 'activity.log')).toString('latin1')).not.toContain('secret plan');

    const again = await ActivityLog.open({ dir, cipher, now: () => T0 });
    expect(again.get('c|1')).toMatchObject({ id: first.id, preview: secretText, outcome: 'cancelled', reason: 'owner-answered', replyId: 'R1' });
    expect(again.findForReply({ id: 'R1', inboundKey: 'c|1' })?.key).toBe('c|1');
    expect(again.findForReply({ id: 'R2', inboundKey: 'c|1' })).toBeUndefined();
    await again.close();
  });

  it('record() keeps the same record add() would, without handing a copy back', async () => {
    const dir = tempDir('activity-');
    const log = await ActivityLog.open({ dir, now: () => T0 });
    await expect(log.record(record('c|1', { preview: 'first' }))).resolves.toBeUndefined();
    const kept = log.get('c|1')!;
    expect(kept).toMatchObject({ key: 'c|1', preview: 'first' });
    // A key already recorded keeps its record, as with add().
    await log.record(record('c|1', { preview: 'again' }));
    expect(log.get('c|1')).toEqual(kept);
    await log.close();
    const again = await ActivityLog.open({ dir, now: () => T0 });
    expect(again.get('c|1')).toEqual(kept);
    await again.close();
  });

  it('cuts a preview longer than the limit in characters (not UTF-16 units), and keeps one at the limit whole', async () => {
    const log = await ActivityLog.open({ dir: tempDir('activity-'), now: () => T0 });
    const atLimit = 'a'.repeat(MAX_PREVIEW);
    const emoji = '😀'.repeat(MAX_PREVIEW); // twice as many UTF-16 units as characters: still whole
    expect((await log.add(record('c|1', { preview: atLimit }))).preview).toBe(atLimit);
    expect((await log.add(record('c|2', { preview: emoji }))).preview).toBe(emoji);
    expect((await log.add(record('c|3', { preview: `${atLimit}b` }))).preview).toBe(`${'a'.repeat(MAX_PREVIEW - 1)}…`);
    expect((await log.add(record('c|4', { preview: `${emoji}😀` }))).preview).toBe(`${'😀'.repeat(MAX_PREVIEW - 1)}…`);
    await log.close();
  });

  it('a record of a message that could not be read gives way to its real decision, should a readable copy come after all', async () => {
    const dir = tempDir('activity-');
    const log = await ActivityLog.open({ dir, now: () => T0 });
    const first = await log.add(record('c|U1', { kind: 'other', preview: '[message]', reason: 'unreadable', explanation: 'could not be read' }));
    await log.add(record('c|OTHER'));
    // A second unreadable record keeps the first; the real decision replaces it, same id, moved to its own place.
    expect((await log.add(record('c|U1', { reason: 'unreadable', explanation: 'again' }))).explanation).toBe('could not be read');
    const real = await log.add(record('c|U1', { outcome: 'replied', reason: undefined, explanation: 'Answered by rule “Away”.', replyId: 'R1' }));
    expect(real).toMatchObject({ id: first.id, outcome: 'replied', explanation: 'Answered by rule “Away”.' });
    expect(real.reason).toBeUndefined();
    expect(log.query().map((e) => e.key)).toEqual(['c|U1', 'c|OTHER']);
    // And a decided record is never replaced.
    expect((await log.add(record('c|U1', { reason: 'disabled' }))).outcome).toBe('replied');
    await log.close();
    const again = await ActivityLog.open({ dir, now: () => T0 });
    expect(again.get('c|U1')).toMatchObject({ outcome: 'replied', replyId: 'R1' });
    expect(again.findForReply({ id: 'R1', inboundKey: 'c|U1' })?.key).toBe('c|U1');
    expect(again.query().map((e) => e.key)).toEqual(['c|U1', 'c|OTHER']);
    await again.close();
  });

  it('is bounded: records older than 30 days go, and the oldest beyond the count', async () => {
    const dir = tempDir('activity-');
    let now = T0;
    const log = await ActivityLog.open({ dir, now: () => now, maxEntries: 3 });
    for (let i = 0; i < 5; i++) await log.add(record(`c|${i}`, { decidedAt: T0 + i }));
    expect(log.query({}).map((e) => e.key)).toEqual(['c|4', 'c|3', 'c|2']);
    now = T0 + 31 * DAY;
    await log.add(record('c|new', { decidedAt: now }));
    expect(log.query({}).map((e) => e.key)).toEqual(['c|new']);
    await log.close();
    const again = await ActivityLog.open({ dir, now: () => now, maxEntries: 3 });
    expect(again.size).toBe(1);
    await again.close();
  });

  it('cuts a long preview; the latest record of each chat lists the chats', async () => {
    const log = await ActivityLog.open({ dir: tempDir('activity-'), now: () => T0 });
    await log.add(record('a|1', { preview: 'x'.repeat(5_000) }));
    await log.add(record('b|1', { chatKey: 'p:15550000000', contactName: 'Ben' }));
    await log.add(record('a|2', { contactName: 'Anna S.' }));
    expect([...log.get('a|1')!.preview].length).toBe(1_000);
    expect(log.latestPerChat().map((e) => e.contactName)).toEqual(['Anna S.', 'Ben']);
    await log.close();
  });
});

describe('muted chats', () => {
  it('mute for a while or until unmuted, durable; a mute that ran out is gone', async () => {
    const dir = tempDir('mutes-');
    let now = T0;
    const store = await MuteStore.open({ dir, now: () => now });
    await store.mute({ chatKey: 'p:1', name: 'A', masked: 'a', isGroup: false, mutedAt: now, until: now + 3_600_000 });
    await store.mute({ chatKey: 'g:2@g.us', name: '', masked: 'group', isGroup: true, mutedAt: now, until: null });
    expect(store.mutedUntil('p:1')).toBe(T0 + 3_600_000);
    await store.close();
    now += 3_600_000;
    const again = await MuteStore.open({ dir, now: () => now });
    expect(again.mutedUntil('p:1')).toBeUndefined();
    expect(again.list().map((m) => m.chatKey)).toEqual(['g:2@g.us']);
    expect(await again.unmute('g:2@g.us')).toBe(true);
    expect(await again.unmute('g:2@g.us')).toBe(false);
    await again.close();
    const third = await MuteStore.open({ dir, now: () => now });
    expect(third.list()).toEqual([]);
    await third.close();
  });

  it('announces a mute running out when it does, from one timer armed for the next one to end', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const HOUR = 3_600_000;
      const store = await MuteStore.open({ dir: tempDir('mutes-'), now: () => Date.now() });
      const changes: string[][] = [];
      store.on('change', (list) => changes.push(list.map((m) => m.chatKey)));
      const who = { name: '', masked: '', isGroup: false, mutedAt: T0 };
      await store.mute({ chatKey: 'p:8h', ...who, until: T0 + 8 * HOUR });
      await store.mute({ chatKey: 'p:1h', ...who, until: T0 + HOUR });
      await store.mute({ chatKey: 'p:ever', ...who, until: null });
      changes.length = 0;
      expect(vi.getTimerCount()).toBe(1);
      expect(store.nextExpiry).toBe(T0 + HOUR);

      vi.advanceTimersByTime(HOUR - 1);
      expect(changes).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(changes).toEqual([['p:ever', 'p:8h']]);
      expect(vi.getTimerCount()).toBe(1); // now armed for the 8-hour mute

      // Unmuting that one leaves no mute that ends, and no timer.
      await store.unmute('p:8h');
      expect(vi.getTimerCount()).toBe(0);
      changes.length = 0;
      vi.advanceTimersByTime(10 * HOUR);
      expect(changes).toEqual([]);

      // A new mute re-arms it; closing the store disarms it.
      await store.mute({ chatKey: 'p:again', ...who, until: Date.now() + HOUR });
      expect(vi.getTimerCount()).toBe(1);
      await store.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LID links', () => {
  it('are kept across a restart, encrypted, and make a LID the same chat as its number', async () => {
    const dir = tempDir('lid-links-');
    const cipher = await loadOrCreateDataKey(path.join(dir, 'data.key'), passphraseKeyWrapper(Buffer.alloc(32, 4)));
    const links = await LidLinks.open({ dir, cipher });
    const conversations = new Conversations({ chatIds: ChatIds.withSalt(Buffer.alloc(32, 2)), mutes: await MuteStore.open({ dir }), owner: await OwnerActivity.open({ dir }), links });
    const byNumber = conversations.chatKey('4915112345678@s.whatsapp.net');
    expect(conversations.chatKey('88001122334455@lid')).not.toBe(byNumber);
    // Only a LID is learned as an alias (a message from a phone-number JID teaches nothing).
    conversations.learnAlias('4915112345678@s.whatsapp.net', '4915112345678');
    conversations.learnAlias('88001122334455@lid.example', '4915112345678');
    expect(conversations.chatKey('88001122334455@lid')).not.toBe(byNumber);
    conversations.learnAlias('88001122334455:3@lid', '4915112345678');
    expect(conversations.chatKey('88001122334455@lid')).toBe(byNumber);
    await links.close();
    registerSecret('4915112345678');
    expect(readFileSync(path.join(dir, 'lid-links.log')).toString('latin1')).not.toContain('4915112345678');
    const again = await LidLinks.open({ dir, cipher });
    expect(again.phoneOf('88001122334455@lid')).toBe('4915112345678');
    const after = new Conversations({ chatIds: ChatIds.withSalt(Buffer.alloc(32, 2)), mutes: await MuteStore.open({ dir: tempDir('m-') }), owner: await OwnerActivity.open({ dir: tempDir('o-') }), links: again });
    expect(after.chatKey('88001122334455@lid')).toBe(byNumber);
    await again.close();
  });
});

describe("the owner's last message per chat", () => {
  it('keeps the latest time only, durable, and forgets old chats', async () => {
    const dir = tempDir('owner-');
    let now = T0;
    const store = await OwnerActivity.open({ dir, now: () => now });
    expect(await store.note('p:1', T0 - 1_000)).toBe(true);
    expect(await store.note('p:1', T0 - 5_000)).toBe(false); // an older message (offline sync) changes nothing
    await store.close();
    const again = await OwnerActivity.open({ dir, now: () => now });
    expect(again.lastWrote('p:1')).toBe(T0 - 1_000);
    await again.close();
    now += 9 * DAY;
    const later = await OwnerActivity.open({ dir, now: () => now });
    expect(later.lastWrote('p:1')).toBeUndefined();
    await later.close();
  });
});

describe('contact memory with times', () => {
  it('remembers when a contact was last seen; records from before times were kept count as seen at the start', async () => {
    const dir = tempDir('contacts-');
    // A log written by the earlier version: bare keys.
    const { log } = await RecordLog.open<unknown>(path.join(dir, 'contacts-seen.log'), { parse: (v) => v });
    await log.append('p:4915112345678');
    await log.close();
    const memory = await PersistedContactMemory.open(dir, undefined, () => T0);
    expect(memory.lastSeen('p:4915112345678')).toBe(T0);
    memory.markSeen('p:15550000000', T0 - 2 * DAY);
    memory.markSeen('p:15550000000', T0 - 3 * DAY); // older: no change
    expect(memory.lastSeen('p:15550000000')).toBe(T0 - 2 * DAY);
    await memory.close();
    const again = await PersistedContactMemory.open(dir, undefined, () => T0 + DAY);
    expect(again.lastSeen('p:15550000000')).toBe(T0 - 2 * DAY);
    expect(again.hasSeen('p:4915112345678')).toBe(true);
    await again.close();
  });
});

describe('chat ids', () => {
  it('are stable for a data folder, differ between folders, and hold no number', async () => {
    const dir = tempDir('ids-');
    const a = await ChatIds.open(path.join(dir, 'salt'));
    const b = await ChatIds.open(path.join(dir, 'salt'));
    const other = await ChatIds.open(path.join(tempDir('ids-'), 'salt'));
    const id = a.idOf('p:4915112345678');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.idOf('p:4915112345678')).toBe(id);
    expect(other.idOf('p:4915112345678')).not.toBe(id);
    expect(b.keyOf(id)).toBe('p:4915112345678');
    expect(other.keyOf(id, () => ['p:1', 'p:4915112345678'])).toBeUndefined();
    expect(ChatIds.withSalt(Buffer.alloc(32)).keyOf('nope', () => ['p:1'])).toBeUndefined();
  });
});
