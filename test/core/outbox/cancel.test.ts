/**
 * Cancelling a waiting reply (you answered, read, muted) can never race a send into "sent twice"
 * or "cancelled but sent": the outbox cancels only what cannot have been handed to a socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import type { Outbox } from '../../../main/core/outbox/index.js';
import { FakeLink } from './fake-link.js';
import { openOutbox, settle, until } from './helpers.js';

const CHAT = '15557770000@s.whatsapp.net';
const WHY = { kind: 'cancelled' as const, message: 'Cancelled: you answered this chat yourself before it went out' };

let outbox: Outbox | undefined;
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
});

describe('outbox cancel', () => {
  it('cancels a reply still in its delay, with the reason given; it is never written', async () => {
    const link = new FakeLink();
    link.connect();
    outbox = await openOutbox(tempDir('cancel-'), link);
    const e = await outbox.enqueue({ chatJid: CHAT, text: 'later', notBefore: Date.now() + 60_000 });
    expect(await outbox.cancel(e.id, WHY)).toMatchObject({ ok: true, entry: { state: 'cancelled', lastError: WHY } });
    await settle();
    expect(link.sends).toEqual([]);
  });

  it('a cancel that arrives while the reply is being written to the log waits for it, then cancels', async () => {
    const link = new FakeLink();
    link.connect();
    outbox = await openOutbox(tempDir('cancel-'), link);
    const queued = outbox.enqueue({ id: '3EB0AAAAAAAAAAAAAAAAAA', chatJid: CHAT, text: 'x', notBefore: Date.now() + 60_000 });
    const cancelled = outbox.cancel('3EB0AAAAAAAAAAAAAAAAAA', WHY);
    await queued;
    expect(await cancelled).toMatchObject({ ok: true, entry: { state: 'cancelled' } });
    await settle();
    expect(link.sends).toEqual([]);
  });

  it('refuses a reply on its way, and one an earlier attempt may have delivered; both go out once, with their id', async () => {
    const link = new FakeLink();
    const sock = link.connect();
    outbox = await openOutbox(tempDir('cancel-'), link);
    const a = await outbox.enqueue({ chatJid: CHAT, text: 'a' });
    await until(() => sock.calls.length === 1, 'the write');
    expect(await outbox.cancel(a.id, WHY)).toMatchObject({ ok: false, error: { kind: 'in-flight' } });
    // The link drops before the ack: the reply waits again, but it may already have arrived.
    link.drop();
    await until(() => outbox!.get(a.id)?.state === 'queued', 'requeued');
    expect(await outbox.cancel(a.id, WHY)).toMatchObject({ ok: false, error: { kind: 'maybe-sent' } });
    link.connect();
    await until(() => link.sends.length === 2, 'the resend');
    link.ack(a.id);
    await until(() => outbox!.get(a.id)?.state === 'sent', 'sent');
    expect(link.sends.map((s) => s.messageId)).toEqual([a.id, a.id]);
  });

  it('after a crash, a reply that was due before the restart may have been written by the run that crashed: not cancelled', async () => {
    const dir = tempDir('cancel-');
    const link = new FakeLink();
    const crashed = await openOutbox(dir, link);
    // Queued while the link was down: due, never attempted in this run.
    const due = await crashed.enqueue({ chatJid: CHAT, text: 'due' });
    const waiting = await crashed.enqueue({ chatJid: '15557770001@s.whatsapp.net', text: 'waiting', notBefore: Date.now() + 60_000 });
    // A crash: the log as it is on disk, opened again without a clean close.
    await crashed.flush();
    outbox = await openOutbox(dir, link);
    expect(await outbox.cancel(due.id, WHY)).toMatchObject({ ok: false, error: { kind: 'maybe-sent' } });
    // Still in its delay when this run began: no run can have written it.
    expect(await outbox.cancel(waiting.id, WHY)).toMatchObject({ ok: true, entry: { state: 'cancelled', lastError: WHY } });
  });

  it('after a clean close, the log shows every attempt: a due reply that was never attempted can be cancelled', async () => {
    const dir = tempDir('cancel-');
    const link = new FakeLink();
    const first = await openOutbox(dir, link);
    const due = await first.enqueue({ chatJid: CHAT, text: 'due' });
    await first.close();
    outbox = await openOutbox(dir, link);
    expect(await outbox.cancel(due.id, WHY)).toMatchObject({ ok: true, entry: { state: 'cancelled' } });
  });

  it('shows "typing…" only from `typingFrom` on (a grace period waits without it)', async () => {
    const link = new FakeLink();
    const sock = link.connect();
    outbox = await openOutbox(tempDir('cancel-'), link);
    const now = Date.now();
    await outbox.enqueue({ chatJid: CHAT, text: 'x', notBefore: now + 60_000, typing: true, typingFrom: now + 30_000 });
    await settle();
    expect(sock.presence).toEqual([]);
    expect(outbox.diagnostics().wakeAt).toBe(now + 30_000);
  });
});
