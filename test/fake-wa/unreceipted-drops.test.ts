/**
 * Drops while the client holds messages it decrypted but has not receipted yet, through the real
 * Baileys client. Baileys keeps decrypting what already arrived after the link is gone and cannot
 * send the receipts, so the server delivers those copies again at the next login; the client can
 * no longer decrypt them (the Signal keys are used) and asks again with a retry receipt, followed
 * by a nack (`error="500"`). The sender's resend replaces the old copy in the queue; the nack that
 * follows the retry receipt on that connection is for the replaced copy; any later nack is the
 * client's last word on the message and clears it. Whatever happens, the queue and each login's
 * replay stay bounded by what is really outstanding.
 */
import type { BinaryNode } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import type { FakeContact, MemoryAuth, TestClient } from './index.js';
import { textOfUpsert, useFakeWa } from './test-harness.js';

const wa = useFakeWa();

/** A client receipt that confirms a message (not a retry request). */
const isDeliveryReceipt = (f: BinaryNode) => f.tag === 'receipt' && f.attrs.type !== 'retry';
/** The nack Baileys sends after its retry receipt. */
const isRetryNack = (f: BinaryNode) => f.tag === 'ack' && f.attrs.class === 'message' && f.attrs.error === '500';

/** A paired client, and a contact whose session with it is established (later copies are `msg`, not `pkmsg`). */
async function talking(name: string): Promise<{ auth: MemoryAuth; c: TestClient; contact: FakeContact }> {
  const server = wa.server;
  const { auth, c } = await wa.pairAndLogin();
  const contact = server.createContact({ name });
  await contact.sendText(server.defaultAccount, 'hello', { id: 'HELLO' });
  await server.waitFor(() => c.upserts.length === 1, 5000, 'first message');
  // The client answers, so the contact's later messages go on the established session.
  await c.sock.sendMessage(contact.phoneJid, { text: 'hi' });
  await server.waitFor(() => contact.received.length === 1, 5000, 'the answer');
  await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'first receipt');
  return { auth, c, contact };
}

async function login(auth: MemoryAuth): Promise<TestClient> {
  const c = wa.client(auth);
  await c.opened;
  await wa.server.waitFor(() => wa.server.record.connections.at(-1)!.readyAt !== undefined, 5000, 'offline queue flushed');
  return c;
}

describe('drops while messages are decrypted but not receipted', () => {
  it('receipts lost with the link, several times over: each copy comes again, is asked for again, its resend arrives; the replay stays bounded', async () => {
    const server = await wa.start();
    const { auth, c: first, contact } = await talking('Ada');
    const clients = [first];
    let c = first;
    /** Per message: did the client emit it before the link dropped? */
    const before = new Map<string, boolean>();
    for (let round = 0; round < 4; round++) {
      // The first receipt of the round is lost with the link; the second may be too.
      server.faults.whenFrame(isDeliveryReceipt, 'terminateSocket', { swallow: true });
      const ids = [await contact.sendText(server.defaultAccount, `round ${round} a`), await contact.sendText(server.defaultAccount, `round ${round} b`)];
      await c.closed;
      for (const id of ids) before.set(id, c.upserts.some((u) => u.message.key.id === id && textOfUpsert(u) !== undefined));
      expect(server.pendingDeliveries().length).toBeLessThanOrEqual(2);
      c = await login(auth);
      clients.push(c);
      // Replayed: only what this round left outstanding, not what earlier rounds did.
      expect(server.record.connections.at(-1)!.offlineCount).toBeLessThanOrEqual(2);
      await server.waitFor(() => server.pendingDeliveries().length === 0, 10_000, `round ${round} settled`);
      // The client answers, as an auto-reply does: the contact's next messages go on the session it has.
      const answered = contact.received.length + 1;
      await c.sock.sendMessage(contact.phoneJid, { text: `ok ${round}` });
      await server.waitFor(() => contact.received.length === answered, 5000, 'the answer');
    }
    // Each message reached the client as itself (a readable upsert, not a placeholder), at least
    // once: before the drop if its receipt could still go out, and as the resend if the server
    // delivered it again (the server could not know the client had it; the app dedupes by id).
    const readable = clients.flatMap((x) => x.upserts).filter((u) => textOfUpsert(u) !== undefined);
    for (const [id, emitted] of before) {
      const copies = readable.filter((u) => u.message.key.id === id).length;
      const resent = server.record.retries.some((r) => r.id === id);
      expect(copies).toBeGreaterThanOrEqual(1);
      expect(copies).toBe((emitted ? 1 : 0) + (resent ? 1 : 0));
    }
    // Each round's first copy was decrypted before the drop and had to be asked for again.
    expect(new Set(server.record.retries.map((r) => r.id)).size).toBeGreaterThanOrEqual(4);
    c.end();
    await c.closed;
    const last = await login(auth);
    expect(server.record.connections.at(-1)!.offlineCount).toBe(0);
    last.end();
  });

  it('a resend received as the link goes dead: the nack of its redelivery is final, the next login replays nothing', async () => {
    const server = await wa.start();
    const { auth, c, contact } = await talking('Bo');
    // 1. Decrypted, receipt lost with the link.
    server.faults.whenFrame(isDeliveryReceipt, 'terminateSocket', { swallow: true });
    const id = await contact.sendText(server.defaultAccount, 'twice unlucky');
    await c.closed;
    // 2. Redelivered: the client asks again and the resend goes out; then the link goes dead (the
    //    server hears nothing more: not the nack that follows the retry receipt, not the resend's
    //    receipt) and drops. The client has decrypted the resend: its keys are used.
    server.faults.whenFrame(isRetryNack, 'goSilent', { swallow: true });
    const second = wa.client(auth);
    await server.waitFor(() => second.upserts.some((u) => u.message.key.id === id && textOfUpsert(u) !== undefined), 10_000, 'the resend');
    server.faults.terminateSocket();
    await second.closed;
    server.faults.goSilent(false);
    expect(server.record.retries.map((r) => r.id)).toEqual([id]);
    expect(server.pendingDeliveries().map((p) => p.id)).toEqual([id]);
    // 3. The resend comes again; the client nacks it (487) without asking again: that is not the
    //    nack that followed the retry receipt (that one went with the dead link), and it clears the message.
    const third = await login(auth);
    await server.waitFor(() => server.record.framesIn('ack').some((f) => f.attrs.id === id && f.attrs.error === '487'), 5000, 'the nack');
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'cleared by the nack');
    third.end();
    await third.closed;
    // 4. Nothing is replayed at the next login.
    const fourth = await login(auth);
    expect(server.record.connections.at(-1)!.offlineCount).toBe(0);
    expect(server.record.retries).toHaveLength(1);
    fourth.end();
  });
});
