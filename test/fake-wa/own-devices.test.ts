/**
 * The owner's own phone, through the real Baileys client: what the phone sends reaches the linked
 * device as the device-sent copy (`fromMe`), and reading on the phone reaches it as a read-self
 * receipt (status READ).
 */
import type { WAMessageUpdate } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { kinds, type TestClient } from './index.js';
import { textOfUpsert, useFakeWa } from './test-harness.js';

const wa = useFakeWa();

function updates(c: TestClient): WAMessageUpdate[] {
  const all: WAMessageUpdate[] = [];
  c.sock.ev.on('messages.update', (u) => all.push(...u));
  return all;
}

describe("the owner's phone sends", () => {
  it('the linked device gets the device-sent copy: fromMe, the chat is the contact, the inner message', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const alice = server.createContact({ name: 'Alice' });
    const phone = server.ownerPhone();
    const id = await phone.sendText(alice, 'I will answer this myself', { id: 'OWN1' });
    expect(id).toBe('OWN1');
    await server.waitFor(() => c.upserts.some((u) => u.message.key.id === 'OWN1'), 5000, 'own upsert');
    const [own] = c.upserts.filter((u) => u.message.key.id === 'OWN1');
    expect(own!.type).toBe('notify');
    expect(own!.message.key).toMatchObject({ remoteJid: alice.phoneJid, fromMe: true, id: 'OWN1' });
    // Baileys unwraps deviceSentMessage: the app sees what the phone wrote.
    expect(own!.message.message?.deviceSentMessage).toBeFalsy();
    expect(textOfUpsert(own!)).toBe('I will answer this myself');
    // The device confirms its phone's copy with a `sender` receipt, which clears the server queue.
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'sender receipt');
    expect(server.record.clientReceipts.filter((r) => r.id === 'OWN1').map((r) => r.type)).toEqual(['sender']);
    expect(server.record.decryptErrors).toEqual([]);
  });

  it('LID addressing: the chat is the contact LID, with its phone number as remoteJidAlt', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const bob = server.createContact({ name: 'Bob' });
    await server.ownerPhone().sendText(bob, 'by lid', { id: 'OWNLID', addressing: 'lid' });
    await server.waitFor(() => c.upserts.some((u) => u.message.key.id === 'OWNLID'), 5000, 'own upsert');
    const own = c.upserts.find((u) => u.message.key.id === 'OWNLID')!;
    expect(own.message.key).toMatchObject({ remoteJid: bob.lid, remoteJidAlt: bob.phoneJid, fromMe: true });
    expect(textOfUpsert(own)).toBe('by lid');
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'sender receipt');
  });

  it('any kind: an image with a caption keeps its fields', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const carol = server.createContact({ name: 'Carol' });
    await server.ownerPhone().sendMessage(carol, kinds.image({ caption: 'look' }), { id: 'OWNIMG' });
    await server.waitFor(() => c.upserts.some((u) => u.message.key.id === 'OWNIMG'), 5000, 'own upsert');
    const own = c.upserts.find((u) => u.message.key.id === 'OWNIMG')!;
    expect(own.message.key.fromMe).toBe(true);
    expect(own.message.message?.imageMessage?.caption).toBe('look');
    const frame = server.record.connections.at(-1)!.frames.find((f) => f.dir === 'out' && f.attrs.id === 'OWNIMG');
    expect(frame?.attrs).toMatchObject({ type: 'media', recipient: carol.phoneJid, peer_recipient_lid: carol.lid });
  });

  it('while the linked device is offline: the copy waits and arrives at login as offline (append)', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    c.end();
    await c.closed;
    const dan = server.createContact({ name: 'Dan' });
    await server.ownerPhone().sendText(dan, 'sent while you were closed', { id: 'OWNOFF' });
    expect(server.pendingDeliveries()).toEqual([{ deviceId: 1, id: 'OWNOFF' }]);
    const back = wa.client(auth);
    await back.opened;
    await server.waitFor(() => back.upserts.some((u) => u.message.key.id === 'OWNOFF'), 5000, 'offline own upsert');
    const own = back.upserts.find((u) => u.message.key.id === 'OWNOFF')!;
    expect(own.type).toBe('append');
    expect(own.message.key).toMatchObject({ remoteJid: dan.phoneJid, fromMe: true });
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'sender receipt');
  });
});

describe("the owner's phone reads", () => {
  it('read-self for a contact chat: Baileys reports READ for those messages (messages.update status 4)', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const seen = updates(c);
    const eve = server.createContact({ name: 'Eve' });
    await eve.sendText(server.defaultAccount, 'one', { id: 'RS1' });
    await eve.sendText(server.defaultAccount, 'two', { id: 'RS2' });
    await server.waitFor(() => c.upserts.length === 2, 5000, 'two inbound');
    await server.ownerPhone().readSelf(eve, ['RS1', 'RS2']);
    await server.waitFor(() => seen.filter((u) => u.update.status === 4).length === 2, 5000, 'READ updates');
    const reads = seen.filter((u) => u.update.status === 4);
    expect(reads.map((u) => u.key)).toEqual([
      expect.objectContaining({ remoteJid: eve.phoneJid, id: 'RS1', fromMe: false }),
      expect.objectContaining({ remoteJid: eve.phoneJid, id: 'RS2', fromMe: false }),
    ]);
    // The receipt is a server stanza the device acks; the ack clears it.
    await server.waitFor(() => server.pendingStanzas('receipt').length === 0, 5000, 'receipt acked');
    const out = server.record.connections.at(-1)!.frames.find((f) => f.dir === 'out' && f.tag === 'receipt');
    expect(out?.attrs).toMatchObject({ type: 'read-self', from: server.defaultAccount.phoneJid, recipient: eve.phoneJid, id: 'RS1' });
  });

  it('read-self while the device is offline arrives at the next login, before the offline marker', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    const fay = server.createContact({ name: 'Fay' });
    await fay.sendText(server.defaultAccount, 'read me later', { id: 'RSOFF' });
    await server.waitFor(() => c.upserts.length === 1 && server.pendingDeliveries().length === 0, 5000, 'inbound');
    c.end();
    await c.closed;
    await server.ownerPhone().readSelf(fay, ['RSOFF']);
    expect(server.pendingStanzas('receipt')).toEqual([{ deviceId: 1, id: 'RSOFF' }]);
    const back = wa.client(auth);
    const seen = updates(back);
    await back.opened;
    await server.waitFor(() => seen.some((u) => u.key.id === 'RSOFF' && u.update.status === 4), 5000, 'READ at login');
    const out = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out');
    const receiptAt = out.findIndex((f) => f.tag === 'receipt' && f.attrs.type === 'read-self');
    const markerAt = out.findIndex((f) => f.tag === 'ib' && f.child === 'offline');
    expect(out[receiptAt]!.attrs.offline).toBe('1');
    expect(receiptAt).toBeLessThan(markerAt);
    // The offline batch was exactly that receipt.
    expect(server.record.connections.at(-1)!.offlineCount).toBe(1);
    await server.waitFor(() => server.pendingStanzas('receipt').length === 0, 5000, 'receipt acked');
  });
});
