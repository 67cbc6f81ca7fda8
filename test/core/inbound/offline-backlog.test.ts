/**
 * A login's offline backlog: pending from `open` until the server's "that was all" and a quiet
 * time without offline messages; a login that never says so is let go after a maximum wait. The
 * outbox holds replies that wait for the owner while it is pending.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BaileysEventMap } from '@whiskeysockets/baileys';
import { BACKLOG_MAX_WAIT_MS, BACKLOG_QUIET_MS, OfflineBacklog } from '../../../main/core/inbound/offline-backlog.js';
import { tempDir } from '../../support/temp-dir.js';
import type { Outbox } from '../../../main/core/outbox/index.js';
import { FakeLink } from '../outbox/fake-link.js';
import { openOutbox, settle, until } from '../outbox/helpers.js';

const upsert = (type: 'append' | 'notify'): BaileysEventMap['messages.upsert'] => ({ type, messages: [] });

afterEach(() => {
  vi.useRealTimers();
});

describe('the offline backlog', () => {
  it('is pending from open until the server says it was all and no offline message came for a while', () => {
    vi.useFakeTimers();
    const link = new FakeLink();
    const backlog = new OfflineBacklog(link);
    const done = vi.fn();
    backlog.onDone(done);
    expect(backlog.pending()).toBe(false); // no login yet
    const sock = link.connect();
    expect(backlog.pending()).toBe(true);
    link.emit('offline-delivered', { socketId: sock.id });
    // Baileys emits the offline messages after it said they were all in, decrypting them one by one.
    vi.advanceTimersByTime(BACKLOG_QUIET_MS - 100);
    link.emit('messages', { socketId: sock.id, upsert: upsert('append') });
    vi.advanceTimersByTime(BACKLOG_QUIET_MS - 100);
    link.emit('messages', { socketId: sock.id, upsert: upsert('append') });
    vi.advanceTimersByTime(BACKLOG_QUIET_MS - 100);
    expect(backlog.pending()).toBe(true);
    vi.advanceTimersByTime(100);
    expect(backlog.pending()).toBe(false);
    expect(done).toHaveBeenCalledTimes(1);
    // Live messages after it change nothing; the next login starts over.
    link.emit('messages', { socketId: sock.id, upsert: upsert('notify') });
    link.drop();
    link.connect();
    expect(backlog.pending()).toBe(true);
    backlog.close();
  });

  it('the server may say it was all just before the socket reports open', () => {
    vi.useFakeTimers();
    const link = new FakeLink();
    const backlog = new OfflineBacklog(link);
    link.emit('offline-delivered', { socketId: 1 });
    link.connect(); // socket 1
    vi.advanceTimersByTime(BACKLOG_QUIET_MS);
    expect(backlog.pending()).toBe(false);
    backlog.close();
  });

  it('a login that never says so is let go after the longest wait', () => {
    vi.useFakeTimers();
    const link = new FakeLink();
    const backlog = new OfflineBacklog(link);
    link.connect();
    vi.advanceTimersByTime(BACKLOG_MAX_WAIT_MS - 1);
    expect(backlog.pending()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(backlog.pending()).toBe(false);
    backlog.close();
  });
});

describe('the outbox and the backlog', () => {
  let outbox: Outbox | undefined;
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
  });

  it('holds a due reply that waits for the owner while the backlog is pending; other replies go', async () => {
    const link = new FakeLink();
    const backlog = new OfflineBacklog(link);
    outbox = await openOutbox(tempDir('backlog-'), link, { ownerBacklog: backlog });
    const graced = await outbox.enqueue({ chatJid: '15557770000@s.whatsapp.net', text: 'graced', waitsForOwner: true });
    const plain = await outbox.enqueue({ chatJid: '15557770001@s.whatsapp.net', text: 'plain' });
    const sock = link.connect();
    await until(() => link.sends.length === 1, 'the plain reply');
    await settle();
    expect(link.sends.map((s) => s.messageId)).toEqual([plain.id]);
    // Still held, so an owner message from the backlog can cancel it.
    expect(outbox.get(graced.id)?.state).toBe('queued');
    link.emit('offline-delivered', { socketId: sock.id });
    await until(() => link.sends.length === 2, 'the graced reply, after the backlog', 2_000_000);
    expect(link.sends.map((s) => s.messageId)).toEqual([plain.id, graced.id]);
    backlog.close();
  });
});
