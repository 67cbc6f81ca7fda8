import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { registerSecret } from '../../setup/log-capture.js';
import type { Outbox, OutboxEntry } from '../../../main/core/outbox/index.js';
import { ACCOUNT_A, ACCOUNT_B, FakeLink } from './fake-link.js';
import { openOutbox, settle, until } from './helpers.js';

const CHAT = '15557770000@s.whatsapp.net';
const CHAT2 = '15557770001@s.whatsapp.net';

function boom(message: string, statusCode: number): Error {
  return Object.assign(new Error(message), { output: { statusCode } });
}

describe('outbox', () => {
  let dir: string;
  let link: FakeLink;
  let outbox: Outbox | undefined;

  beforeEach(() => {
    dir = tempDir('outbox-');
    link = new FakeLink();
  });

  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
    vi.useRealTimers();
  });

  async function open(options: Parameters<typeof openOutbox>[2] = {}): Promise<Outbox> {
    outbox = await openOutbox(dir, link, options);
    return outbox;
  }

  const state = (id: string) => outbox!.get(id)?.state;

  it('writes the reply durably before the first attempt, with the id chosen at enqueue', async () => {
    const text = 'Back at 5, talk then';
    registerSecret(text);
    const sock = link.connect();
    const logFile = path.join(dir, 'outbox.log');
    const seenOnDiskAtSend: boolean[] = [];
    sock.behaviour = (call) => {
      seenOnDiskAtSend.push(readFileSync(logFile, 'utf8').includes(call.messageId));
    };
    const ob = await open();
    const entry = await ob.enqueue({ chatJid: CHAT, text });
    expect(entry.id).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(readFileSync(logFile, 'utf8')).toContain(entry.id);
    await until(() => sock.calls.length === 1, 'the send');
    expect(seenOnDiskAtSend).toEqual([true]);
    expect(sock.calls[0]).toMatchObject({ jid: CHAT, text, messageId: entry.id });
    expect(state(entry.id)).toBe('sending');
    link.ack(entry.id);
    await until(() => state(entry.id) === 'sent', 'sent');
    expect(ob.get(entry.id)?.attempts).toBe(1);
  });

  it('retries an unacknowledged reply with the same id on the same socket, then counts it sent on the ack', async () => {
    vi.useFakeTimers();
    const sock = link.connect();
    const ob = await open({ ackTimeoutMs: 15_000 });
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'hello' });
    await until(() => link.sends.length === 1, 'first write');
    expect(vi.getTimerCount()).toBe(1); // the one shared deadline timer
    await vi.advanceTimersByTimeAsync(14_999);
    expect(sock.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => link.sends.length === 2, 'retry');
    expect(link.sends.map((s) => [s.messageId, s.socketId])).toEqual([
      [id, sock.id],
      [id, sock.id],
    ]);
    expect(ob.get(id)).toMatchObject({ state: 'sending', attempts: 2 });
    expect(ob.get(id)?.lastError?.kind).toBe('no-ack');
    link.ack(id);
    await until(() => state(id) === 'sent', 'sent');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(link.sends).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up after the maximum number of unacknowledged attempts, saying the outcome is uncertain', async () => {
    vi.useFakeTimers();
    link.connect();
    const ob = await open({ ackTimeoutMs: 1_000, maxAttempts: 3 });
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'hello' });
    for (let i = 1; i <= 3; i++) {
      await until(() => link.sends.length === i, `write ${i}`);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    await until(() => state(id) === 'failed', 'failed');
    const entry = ob.get(id)!;
    expect(entry.attempts).toBe(3);
    expect(entry.lastError?.kind).toBe('gave-up');
    expect(entry.lastError?.message).toMatch(/may or may not have arrived/);
    expect(new Set(link.sends.map((s) => s.messageId))).toEqual(new Set([id]));
    // A late ack tells the truth: it did arrive.
    link.ack(id);
    await until(() => state(id) === 'sent', 'late ack');
  });

  it('resolves the socket at send time: queued on socket A, sent on socket B after a reconnect', async () => {
    const a = link.connect();
    const ob = await open();
    a.behaviour = () => new Promise(() => undefined); // A never writes
    link.drop();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'hi' });
    await settle();
    expect(a.calls).toHaveLength(0);
    expect(state(id)).toBe('queued');
    const b = link.connect();
    await until(() => b.calls.length === 1, 'send on B');
    expect(b.calls[0]!.messageId).toBe(id);
    link.ack(id);
    await until(() => state(id) === 'sent', 'sent');
  });

  it('puts a reply back to wait for the link on a disconnect-class error, without counting an attempt', async () => {
    const a = link.connect();
    const ob = await open();
    a.behaviour = () => Promise.reject(boom('Connection Closed', 428));
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'hi' });
    await until(() => ob.get(id)?.lastError?.kind === 'disconnected', 'requeued');
    expect(ob.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    await settle();
    expect(a.calls).toHaveLength(1); // the dead socket is not hammered
    link.drop();
    await settle();
    expect(ob.waiterCount).toBe(1);
    const b = link.connect();
    await until(() => b.calls.length === 1, 'resend on B');
    expect(b.calls[0]!.messageId).toBe(id);
    link.ack(id);
    await until(() => state(id) === 'sent', 'sent');
    expect(ob.get(id)?.attempts).toBe(1);
  });

  it('sends a reply written but not acked before the link dropped again, with the same id, on the next socket', async () => {
    const a = link.connect();
    const ob = await open();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'hi' });
    await until(() => link.sends.length === 1, 'written on A');
    link.drop();
    await until(() => state(id) === 'queued', 'requeued');
    expect(ob.get(id)).toMatchObject({ attempts: 0, lastError: { kind: 'disconnected' } });
    const b = link.connect();
    await until(() => b.calls.length === 1, 'written on B');
    expect(link.sends.map((s) => [s.socketId, s.messageId])).toEqual([
      [a.id, id],
      [b.id, id],
    ]);
    link.ack(id);
    await until(() => state(id) === 'sent', 'sent');
  });

  it('fails a reply the server refuses for good, with a plain reason, and moves on to the next in the chat', async () => {
    link.connect();
    const ob = await open();
    const first = await ob.enqueue({ chatJid: CHAT, text: 'one' });
    const second = await ob.enqueue({ chatJid: CHAT, text: 'two' });
    await until(() => link.sends.length === 1, 'first write');
    link.ack(first.id, 403);
    await until(() => state(first.id) === 'failed', 'failed');
    expect(ob.get(first.id)?.lastError).toMatchObject({ kind: 'rejected', code: 403 });
    expect(ob.get(first.id)?.lastError?.message).toMatch(/error 403/);
    await until(() => link.sends.length === 2, 'second write');
    expect(link.sends[1]!.messageId).toBe(second.id);
  });

  it('retries a retryable server error with the same id after a short spacing', async () => {
    vi.useFakeTimers();
    link.connect();
    const ob = await open({ retryDelayMs: 2_000 });
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'x' });
    await until(() => link.sends.length === 1, 'write');
    link.ack(id, 500);
    await until(() => state(id) === 'queued', 'requeued');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(link.sends).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => link.sends.length === 2, 'retry');
    expect(link.sends[1]!.messageId).toBe(id);
  });

  it('fails a reply to an address that is not a WhatsApp chat without trying to send it', async () => {
    link.connect();
    const ob = await open();
    const e = await ob.enqueue({ chatJid: 'status@broadcast', text: 'x' });
    expect(e.state).toBe('failed');
    expect(e.lastError?.kind).toBe('invalid-address');
    await settle();
    expect(link.allCalls()).toHaveLength(0);
  });

  it('keeps per-chat order: the next reply in a chat waits for the previous ack; other chats do not wait', async () => {
    link.connect();
    const ob = await open();
    const x1 = await ob.enqueue({ chatJid: CHAT, text: 'x1' });
    const x2 = await ob.enqueue({ chatJid: CHAT, text: 'x2' });
    const y1 = await ob.enqueue({ chatJid: CHAT2, text: 'y1' });
    await until(() => link.sends.length === 2, 'heads of both chats');
    expect(link.sends.map((s) => s.messageId)).toEqual([x1.id, y1.id]);
    await settle();
    expect(state(x2.id)).toBe('queued');
    link.ack(x1.id);
    await until(() => link.sends.length === 3, 'x2');
    expect(link.sends[2]!.messageId).toBe(x2.id);
  });

  it("times out one chat's unacknowledged reply on time while only another chat keeps the outbox busy", async () => {
    vi.useFakeTimers();
    link.connect();
    const ob = await open({ ackTimeoutMs: 10_000 });
    const a = await ob.enqueue({ chatJid: CHAT, text: 'never acked' });
    await until(() => link.sendsOf(a.id).length === 1, 'a written');
    // A reply a second in the other chat, written and acknowledged: each step asks for a scan of
    // that chat only, and each of its deadlines falls after the first chat's.
    for (let i = 0; i < 9; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      const b = await ob.enqueue({ chatJid: CHAT2, text: `b${i}` });
      await until(() => link.sendsOf(b.id).length === 1, `b${i} written`);
      link.ack(b.id);
      await until(() => state(b.id) === 'sent', `b${i} sent`);
    }
    await vi.advanceTimersByTimeAsync(999);
    expect(link.sendsOf(a.id)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => link.sendsOf(a.id).length === 2, 'a sent again at its ack deadline');
    expect(ob.get(a.id)).toMatchObject({ state: 'sending', attempts: 2, lastError: { kind: 'no-ack' } });
  });

  it('looks only at the chat that changed: replies waiting in 50 other chats are not checked again per reply', async () => {
    // The backlog is asked about each due reply that waits for the owner whenever a scan looks
    // at it, so its calls count how often the scan looks at the held chats.
    let pending = true;
    let checks = 0;
    const done = new Set<() => void>();
    const ownerBacklog = {
      pending: () => {
        checks++;
        return pending;
      },
      onDone: (listener: () => void) => {
        done.add(listener);
        return () => done.delete(listener);
      },
    };
    link.autoAck = true;
    link.connect();
    const ob = await open({ ownerBacklog });
    const chats = Array.from({ length: 50 }, (_, i) => `1555000${String(i).padStart(4, '0')}@s.whatsapp.net`);
    const held = await Promise.all(chats.map((chatJid) => ob.enqueue({ chatJid, text: 'held', waitsForOwner: true })));
    await settle();
    expect(link.sends).toHaveLength(0);
    expect(checks).toBeGreaterThanOrEqual(50);
    const before = checks;
    for (let i = 0; i < 20; i++) {
      const r = await ob.enqueue({ chatJid: CHAT, text: `r${i}` });
      await until(() => state(r.id) === 'sent', `r${i} sent`);
    }
    expect(checks - before).toBe(0);
    // The backlog is in: that concerns every chat, and the held replies go out.
    pending = false;
    for (const listener of done) listener();
    await until(() => link.sends.length === 70, 'the held replies');
    expect(new Set(link.sends.slice(20).map((s) => s.messageId))).toEqual(new Set(held.map((e) => e.id)));
  });

  it('holds a delayed reply until its not-before time with one timer, showing typing meanwhile', async () => {
    vi.useFakeTimers();
    const sock = link.connect();
    const ob = await open();
    const now = Date.now();
    const a = await ob.enqueue({ chatJid: CHAT, text: 'a', notBefore: now + 10_000, typing: true });
    await ob.enqueue({ chatJid: CHAT2, text: 'b', notBefore: now + 20_000 });
    await settle();
    expect(vi.getTimerCount()).toBe(1);
    expect(sock.presence).toEqual([{ type: 'composing', jid: CHAT }]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(sock.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => sock.calls.length === 1, 'a sent');
    expect(sock.calls[0]!.messageId).toBe(a.id);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => sock.calls.length === 2, 'b sent');
  });

  it('never holds a reply back because the typing indicator failed', async () => {
    vi.useFakeTimers();
    const sock = link.connect();
    sock.presenceFails = true;
    const ob = await open();
    await ob.enqueue({ chatJid: CHAT, text: 'a', notBefore: Date.now() + 1_000, typing: true });
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => sock.calls.length === 1, 'sent');
  });

  it('expires a reply whose time-to-live passed while waiting, and sends the others when the link is back', async () => {
    vi.useFakeTimers();
    const ob = await open();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'late', ttlMs: 60_000 });
    const fresh = await ob.enqueue({ chatJid: CHAT2, text: 'fresh', ttlMs: null });
    await settle();
    expect(vi.getTimerCount()).toBe(1); // the deadline of 'late'; 'fresh' never expires
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    link.connect();
    await until(() => state(id) === 'expired', 'expired');
    expect(ob.get(id)?.lastError?.message).toMatch(/time-to-live \(1 min\)/);
    await until(() => link.sends.length === 1, 'fresh sent');
    expect(link.sends[0]!.messageId).toBe(fresh.id);
  });

  it('expires a reply on time during an outage, on one timer for the earliest deadline, and says so', async () => {
    vi.useFakeTimers();
    const ob = await open();
    const changes: string[] = [];
    ob.on('change', ({ entry }) => entry.state === 'expired' && changes.push(entry.id));
    const t0 = Date.now();
    // Two chats and a reply behind another in one chat: 100 replies, three deadlines.
    const soon = await ob.enqueue({ chatJid: CHAT, text: 'soon', ttlMs: 60_000 });
    const later = await ob.enqueue({ chatJid: CHAT2, text: 'later', ttlMs: 120_000 });
    const behind = await ob.enqueue({ chatJid: CHAT2, text: 'behind, sooner', ttlMs: 30_000 });
    const many = await Promise.all(Array.from({ length: 97 }, (_, i) => ob.enqueue({ chatJid: CHAT, text: `m${i}`, ttlMs: 600_000 })));
    await settle();
    expect(vi.getTimerCount()).toBe(1);
    expect(ob.diagnostics().wakeAt).toBe(t0 + 30_000);

    await vi.advanceTimersByTimeAsync(30_000);
    await until(() => state(behind.id) === 'expired', 'the reply behind another expired');
    expect(state(later.id)).toBe('queued');
    expect(ob.diagnostics().wakeAt).toBe(t0 + 60_000);
    await vi.advanceTimersByTimeAsync(30_000);
    await until(() => state(soon.id) === 'expired', 'soon expired');
    expect(ob.get(soon.id)?.lastError?.message).toMatch(/time-to-live \(1 min\)/);
    await vi.advanceTimersByTimeAsync(60_000);
    await until(() => state(later.id) === 'expired', 'later expired');
    expect(changes).toEqual([behind.id, soon.id, later.id]);
    expect(many.every((e) => state(e.id) === 'queued')).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    expect(link.allCalls()).toHaveLength(0);
  });

  it('after a relink to the same account, held replies go out', async () => {
    link.connect();
    link.drop('logged-out');
    link.setAccount(undefined);
    const ob = await open();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'x', account: ACCOUNT_A });
    link.connect({ ...ACCOUNT_A, lid: undefined });
    await until(() => link.sends.length === 1, 'sent');
    expect(link.sends[0]!.messageId).toBe(id);
  });

  it('after a relink to a different account, held replies are cancelled with that reason', async () => {
    const ob = await open();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'x' });
    expect(ob.get(id)?.account?.phoneJid).toBe(ACCOUNT_A.phoneJid);
    link.setAccount(ACCOUNT_B);
    await until(() => state(id) === 'cancelled', 'cancelled');
    expect(ob.get(id)?.lastError?.kind).toBe('account-changed');
    link.connect();
    await settle();
    expect(link.allCalls()).toHaveLength(0);
  });

  it('lets 500 replies wait out an outage on one shared ready wait and one timer, then sends them all', async () => {
    vi.useFakeTimers();
    link.autoAck = true;
    const ob = await open();
    const chats = Array.from({ length: 50 }, (_, i) => `1555000${String(i).padStart(4, '0')}@s.whatsapp.net`);
    const entries: OutboxEntry[] = await Promise.all(
      Array.from({ length: 500 }, (_, i) => ob.enqueue({ chatJid: chats[i % 50]!, text: `reply ${i}` })),
    );
    await settle();
    // One timer, for the earliest time-to-live (the first reply's), not one per reply.
    expect(vi.getTimerCount()).toBe(1);
    expect(ob.waiterCount).toBe(1);
    expect(link.whenReadyCalls).toBe(1);
    expect(ob.diagnostics()).toMatchObject({ pending: 500, sending: 0, waiterCount: 1, wakeAt: entries[0]!.expiresAt });
    // Finished entries beyond `keepFinished` leave the outbox at compaction, so count events.
    const sent = new Set<string>();
    ob.on('change', ({ entry }) => entry.state === 'sent' && sent.add(entry.id));
    link.connect();
    await until(() => sent.size === 500, 'all sent', 1_000_000);
    expect(link.sends).toHaveLength(500);
    expect(new Set(link.sends.map((s) => s.messageId)).size).toBe(500);
    // Per-chat order held: within each chat, writes follow enqueue order.
    for (const chat of chats) {
      const order = link.sends.filter((s) => s.jid === chat).map((s) => s.messageId);
      expect(order).toEqual(entries.filter((e) => e.chatJid === chat).map((e) => e.id));
    }
    expect(ob.waiterCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts receipts: delivered, then read, never back', async () => {
    link.connect();
    const ob = await open();
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'x' });
    await until(() => link.sends.length === 1, 'write');
    link.receipt(id, 3); // a receipt implies the server had it
    await until(() => state(id) === 'delivered', 'delivered');
    link.receipt(id, 4);
    await until(() => state(id) === 'read', 'read');
    link.ack(id);
    link.receipt(id, 3);
    await settle();
    expect(state(id)).toBe('read');
  });

  it('cancels a queued reply, but not one already with WhatsApp', async () => {
    const ob = await open();
    const queued = await ob.enqueue({ chatJid: CHAT, text: 'x' });
    const res = await ob.cancel(queued.id);
    expect(res).toMatchObject({ ok: true, entry: { state: 'cancelled', lastError: { kind: 'cancelled' } } });
    const sending = await ob.enqueue({ chatJid: CHAT2, text: 'y' });
    link.connect();
    await until(() => state(sending.id) === 'sending', 'sending');
    expect(await ob.cancel(sending.id)).toMatchObject({ ok: false, error: { kind: 'in-flight' } });
    expect(await ob.cancel('nope')).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    await settle();
    expect(link.sends.map((s) => s.messageId)).toEqual([sending.id]);
  });

  it('is idempotent per message id', async () => {
    const ob = await open();
    const [a, b] = await Promise.all([
      ob.enqueue({ id: '3EB0AAAAAAAAAAAAAAAAAA', chatJid: CHAT, text: 'x' }),
      ob.enqueue({ id: '3EB0AAAAAAAAAAAAAAAAAA', chatJid: CHAT, text: 'x' }),
    ]);
    expect(a).toEqual(b);
    expect(ob.list()).toHaveLength(1);
  });

  it('says whether it holds a reply, until a finished one leaves', async () => {
    link.autoAck = true;
    link.connect();
    const ob = await open({ keepFinished: 1 });
    const first = await ob.enqueue({ chatJid: CHAT, text: 'first' });
    expect(ob.has(first.id)).toBe(true);
    await until(() => state(first.id) === 'sent', 'first sent');
    expect(ob.has(first.id)).toBe(true);
    const second = await ob.enqueue({ chatJid: CHAT, text: 'second' });
    await until(() => state(second.id) === 'sent', 'second sent');
    // Only the newest finished entry is kept.
    expect(ob.has(second.id)).toBe(true);
    expect(ob.has(first.id)).toBe(false);
    expect(ob.has('3EB0AAAAAAAAAAAAAAAAAA')).toBe(false);
  });

  it('emits every state change for the reply log and the window', async () => {
    link.connect();
    const ob = await open();
    const seen: string[] = [];
    ob.on('change', ({ entry, previous }) => seen.push(`${previous ?? 'new'}>${entry.state}`));
    const { id } = await ob.enqueue({ chatJid: CHAT, text: 'x' });
    await until(() => state(id) === 'sending', 'sending');
    link.ack(id);
    await until(() => state(id) === 'sent', 'sent');
    expect(seen).toEqual(['new>queued', 'queued>sending', 'sending>sent']);
  });

  it('resumes pending replies after a restart with the same ids; "sending" without an ack goes again', async () => {
    link.connect();
    let ob = await open();
    const written = await ob.enqueue({ chatJid: CHAT, text: 'was written' });
    await until(() => state(written.id) === 'sending', 'written');
    link.drop();
    link.connect();
    // Recreate the crash shape: 'sending' on disk, no ack.
    const acked = await ob.enqueue({ chatJid: CHAT2, text: 'acked' });
    await until(() => state(acked.id) === 'sending', 'acked sending');
    link.ack(acked.id);
    await until(() => state(acked.id) === 'sent', 'acked sent');
    await until(() => state(written.id) === 'sending', 'written sending again');
    await ob.close();

    const link2 = new FakeLink();
    link2.autoAck = true;
    link = link2;
    ob = await open();
    const waiting = ob.list();
    expect(waiting.find((e) => e.id === written.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(waiting.find((e) => e.id === acked.id)).toMatchObject({ state: 'sent' });
    link2.connect();
    await until(() => state(written.id) === 'sent', 'resumed and sent');
    expect(link2.sends.map((s) => s.messageId)).toEqual([written.id]);
  });

  it('compacts the log once finished entries dominate, keeping pending ones', async () => {
    link.autoAck = true;
    link.connect();
    const ob = await open({ compactAfterRecords: 50, keepFinished: 5 });
    for (let i = 0; i < 40; i++) {
      const { id } = await ob.enqueue({ chatJid: CHAT, text: `n${i}` });
      await until(() => state(id) === 'sent', `sent ${i}`);
    }
    link.drop();
    const pending = await ob.enqueue({ chatJid: CHAT, text: 'pending' });
    await ob.close();
    outbox = undefined;
    const reopened = await openOutbox(dir, new FakeLink());
    const list = reopened.list();
    expect(list.length).toBeLessThan(41);
    expect(list.filter((e) => e.state === 'sent').length).toBeLessThanOrEqual(40);
    expect(list.find((e) => e.id === pending.id)?.state).toBe('queued');
    expect(reopened.diagnostics().logRecords).toBeLessThan(4 * 41);
    await reopened.close();
  });

  it('keeps a reply whose entry is still being written when its append starts a compaction', async () => {
    link.autoAck = true;
    link.connect();
    const ob = await open({ compactAfterRecords: 10, keepFinished: 0 });
    // With keepFinished 0 a reply leaves the outbox as it is sent: count the events.
    const sent = new Set<string>();
    ob.on('change', ({ entry }) => entry.state === 'sent' && sent.add(entry.id));
    for (let i = 0; i < 3; i++) {
      const { id } = await ob.enqueue({ chatJid: CHAT, text: `n${i}` });
      await until(() => sent.has(id), `sent ${i}`);
    }
    expect(ob.list()).toEqual([]);
    await ob.flush();
    expect(ob.diagnostics().logRecords).toBe(9); // put, sending, sent × 3; nothing pending
    link.drop();
    // The 10th record: the compaction it starts must not drop the reply being written.
    const pending = await ob.enqueue({ chatJid: CHAT2, text: 'pending' });
    await ob.close();
    outbox = undefined;
    const reopened = await openOutbox(dir, new FakeLink());
    expect(reopened.list().map((e) => [e.id, e.state])).toEqual([[pending.id, 'queued']]);
    // Its put, and the clean close's last record.
    expect(reopened.diagnostics().logRecords).toBe(2);
    await reopened.close();
  });

  it('rejects a reply when no account is linked, and after close', async () => {
    link.setAccount(undefined);
    const ob = await open();
    await expect(ob.enqueue({ chatJid: CHAT, text: 'x' })).rejects.toMatchObject({ kind: 'no-account' });
    await ob.close();
    await expect(ob.enqueue({ chatJid: CHAT, text: 'x', account: ACCOUNT_A })).rejects.toMatchObject({ kind: 'closed' });
  });
});
