/**
 * Retry receipts, through the real Baileys client: when a client cannot decrypt a message it
 * sends `<receipt type="retry">` with a retry count, its registration id and, from the second
 * request on, a prekey bundle. The fake sender answers as Baileys' `sendMessagesAgain` does.
 */
import { WAMessageStubType, type proto } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { useFakeWa } from './test-harness.js';

const wa = useFakeWa();

describe('retry receipts', () => {
  it('first request: count 1, the registration id, no keys; the sender starts over from a server bundle', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    const mo = server.createContact({ name: 'Mo' });
    await mo.sendText(server.defaultAccount, 'hello', { id: 'RT0' });
    await server.waitFor(() => c.upserts.length === 1, 5000, 'first');
    server.faults.corruptDeliveries(1);
    await mo.sendText(server.defaultAccount, 'damaged once', { id: 'RT1' });
    await server.waitFor(() => c.upserts.some((u) => u.message.message?.conversation === 'damaged once'), 5000, 'retried');
    expect(server.record.retries).toMatchObject([
      { id: 'RT1', count: 1, registrationId: auth.creds.registrationId, registrationMatched: true, bundleFrom: 'server' },
    ]);
    const copies = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message' && f.attrs.id === 'RT1');
    expect(copies).toHaveLength(2);
    // Baileys reads the resend's `<enc count="1">` into the message it emits.
    const readable = c.upserts.find((u) => u.message.message?.conversation === 'damaged once')!.message as { retryCount?: number };
    expect(readable.retryCount).toBe(1);
    // Before the resend, Baileys upserted a placeholder for the message it could not read.
    expect(c.upserts.find((u) => u.message.key.id === 'RT1')?.message.messageStubType).toBe(WAMessageStubType.CIPHERTEXT);
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipt');
  });

  it('second request: count 2 with a prekey bundle in <keys>; the sender builds the session from it', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const ny = server.createContact({ name: 'Ny' });
    server.faults.corruptDeliveries(2);
    await ny.sendText(server.defaultAccount, 'damaged twice', { id: 'RT2' });
    await server.waitFor(() => c.upserts.some((u) => u.message.message?.conversation === 'damaged twice'), 10_000, 'retried twice');
    expect(server.record.retries.map((r) => [r.count, r.bundleFrom])).toEqual([
      [1, 'server'],
      [2, 'receipt'],
    ]);
    const out = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message' && f.attrs.id === 'RT2');
    expect(out).toHaveLength(3);
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipt');
    expect(server.record.clientReceipts.filter((r) => r.id === 'RT2').map((r) => r.type)).toEqual(['retry', 'retry', 'inactive']);
  });

  it('a registration id that changed: the old session is dropped and a fresh one built', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    const oz = server.createContact({ name: 'Oz' });
    await oz.sendText(server.defaultAccount, 'hi', { id: 'REG0' });
    await server.waitFor(() => c.upserts.length === 1, 5000, 'first');
    // The device reinstalled its Signal state under a new registration id (it keeps its keys).
    (auth.creds as { registrationId: number }).registrationId = (auth.creds.registrationId % 16000) + 7;
    server.faults.corruptDeliveries(1);
    await oz.sendText(server.defaultAccount, 'after reinstall', { id: 'REG1' });
    await server.waitFor(() => c.upserts.some((u) => u.message.message?.conversation === 'after reinstall'), 5000, 'retried');
    expect(server.record.retries).toMatchObject([{ id: 'REG1', registrationId: auth.creds.registrationId, registrationMatched: false, bundleFrom: 'server' }]);
  });

  it('a message that never decrypts: the client stops asking after its retry limit and nacks; the server drops it', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin(undefined, { retryRequestDelayMs: 10 });
    const pi = server.createContact({ name: 'Pi' });
    server.faults.corruptDeliveries(100);
    await pi.sendText(server.defaultAccount, 'never readable', { id: 'DEAD' });
    await server.waitFor(() => server.pendingDeliveries().length === 0, 15_000, 'dropped');
    const counts = server.record.retries.map((r) => r.count);
    expect(counts.length).toBeGreaterThanOrEqual(4);
    expect(counts).toEqual(counts.map((_, i) => i + 1));
    // Every copy became a placeholder; none became the message.
    expect(c.upserts.filter((u) => u.message.key.id === 'DEAD').every((u) => u.message.messageStubType === WAMessageStubType.CIPHERTEXT)).toBe(true);
    expect(c.upserts.some((u) => u.message.message?.conversation === 'never readable')).toBe(false);
  });
});

describe('retry receipts from a contact', () => {
  /** A client that can answer retry requests from what it sent (Baileys' getMessage). */
  async function clientWithMemory() {
    const sent = new Map<string, proto.IMessage>();
    const { c } = await wa.pairAndLogin(undefined, {
      enableRecentMessageCache: false,
      getMessage: async (key) => (key.id ? sent.get(key.id) : undefined),
    });
    const send = async (jid: string, text: string) => {
      const m = await c.sock.sendMessage(jid, { text });
      sent.set(m!.key.id!, m!.message!);
      return m!.key.id!;
    };
    return { c, send };
  }

  it('a copy the contact cannot decrypt: it asks again (count 1, its registration id, no keys) and gets it once', async () => {
    const server = await wa.start();
    const { send } = await clientWithMemory();
    const ro = server.createContact({ name: 'Ro' });
    server.faults.corruptClientCopies(1, { to: ro.phoneJid });
    const id = await send(ro.phoneJid, 'read me');
    await server.waitFor(() => ro.received.length === 1, 10_000, 'the resend');
    expect(ro.texts()).toEqual(['read me']);
    expect(ro.received[0]!.id).toBe(id);
    expect(server.record.decryptErrors.map((e) => e.id)).toEqual([id]);
    expect(server.record.retryRequests).toMatchObject([{ id, to: ro.phoneJid, deviceId: 0, count: 1 }]);
    const retry = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'receipt' && f.attrs.type === 'retry');
    expect(retry).toHaveLength(1);
    // The client sent it twice with the same id; the resend went to the contact only.
    expect(server.record.clientMessages.filter((m) => m.id === id)).toHaveLength(2);
    expect(server.record.messagesWithId(id).filter((m) => m.to === ro.phoneJid)).toHaveLength(1);
    // The account's own phone got its copy with the first send, and not again.
    expect(server.record.messagesWithId(id).filter((m) => m.to === server.defaultAccount.phoneJid)).toHaveLength(1);
    expect(server.record.duplicateSends).toEqual([]);
  });

  it('damaged twice: the second request carries a prekey bundle in <keys>, and the message still arrives once', async () => {
    const server = await wa.start();
    const { send } = await clientWithMemory();
    const su = server.createContact({ name: 'Su' });
    server.faults.corruptClientCopies(2, { to: su.phoneJid });
    const id = await send(su.phoneJid, 'second time lucky');
    await server.waitFor(() => su.received.length === 1, 10_000, 'the second resend');
    expect(su.texts()).toEqual(['second time lucky']);
    expect(server.record.retryRequests.map((r) => r.count)).toEqual([1, 2]);
    expect(server.record.clientMessages.filter((m) => m.id === id)).toHaveLength(3);
  });

  it('a copy that never decrypts: the contact asks once per copy until the client stops re-sending', async () => {
    const server = await wa.start();
    const { send } = await clientWithMemory();
    const ty = server.createContact({ name: 'Ty' });
    server.faults.corruptClientCopies(100, { to: ty.phoneJid });
    const id = await send(ty.phoneJid, 'lost');
    const sends = () => server.record.clientMessages.filter((m) => m.id === id).length;
    await server.waitFor(() => server.record.retryRequests.length >= 2, 10_000, 'two requests');
    // Settled: every copy the client sent was asked for again, and nothing changed for 500 ms.
    let last = '';
    let since = Date.now();
    await server.waitFor(
      () => {
        const now = `${sends()}/${server.record.retryRequests.length}`;
        if (now !== last) [last, since] = [now, Date.now()];
        return sends() === server.record.retryRequests.length && Date.now() - since >= 500;
      },
      10_000,
      'the client to stop re-sending',
    );
    const counts = server.record.retryRequests.map((r) => r.count);
    expect(counts).toEqual(counts.map((_, i) => i + 1));
    expect(counts.length).toBeLessThanOrEqual(5);
    expect(ty.received).toEqual([]);
  });
});
