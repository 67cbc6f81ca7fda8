/**
 * The inbound ledger, end to end: our controller driving the real Baileys client against the fake
 * server, with the link closing right behind an inbound message. Baileys decrypts such a message,
 * cannot send its receipt and never emits it (test/fake-wa/offline-queue.test.ts shows that on
 * Baileys alone); through the controller, the app gets it exactly once.
 */
import type { WAMessage } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { ConnectionController } from '../../../main/core/connection/controller.js';
import { tempDir } from '../../support/temp-dir.js';
import { pairNew, startFakeWa } from '../../support/wa-harness.js';
import { until } from '../../support/poll.js';

let server: FakeWaServer;
let controller: ConnectionController;
let upserts: { socketId: number; type: string; message: WAMessage }[];

beforeEach(async () => {
  server = await startFakeWa();
  controller = await pairNew(server, tempDir(), { backoff: { baseMs: 20, capMs: 50, random: () => 1 } });
  upserts = [];
  controller.on('messages', ({ socketId, upsert }) => {
    for (const message of upsert.messages) upserts.push({ socketId, type: upsert.type, message });
  });
});

afterEach(async () => {
  await controller.close();
  await server.close();
});

const withId = (id: string) => upserts.filter((u) => u.message.key.id === id);

/** Sends with the link closing right behind the message, then waits for the reconnect to settle. */
async function sendAsTheLinkCloses(send: () => Promise<string>): Promise<string> {
  const before = controller.currentSocket()!.id;
  server.faults.dropAfterNextDelivery();
  const id = await send();
  await until(() => (controller.currentSocket()?.id ?? 0) > before, 10_000, 'the reconnect');
  await until(() => server.pendingDeliveries().length === 0, 10_000, 'the redelivery to settle');
  return id;
}

describe('messages Baileys decrypted as the link closed', () => {
  it('reach the app exactly once, with key, sender and text, on the socket they arrived on', async () => {
    const ann = server.createContact({ name: 'Ann' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const socketId = controller.currentSocket()!.id;
      const id = await sendAsTheLinkCloses(() => ann.sendText(server.defaultAccount, `closing ${i}`));
      ids.push(id);
      expect(withId(id).map((u) => [u.socketId, u.type, u.message.message?.conversation])).toEqual([[socketId, 'notify', `closing ${i}`]]);
      expect(withId(id)[0]!.message.key).toMatchObject({ remoteJid: ann.phoneJid, fromMe: false });
      expect(withId(id)[0]!.message.pushName).toBe('Ann');
    }
    // Baileys never confirmed them (its receipt could not go out) and nacked the redelivery.
    expect(server.record.clientReceipts.filter((r) => ids.includes(r.id))).toEqual([]);
    expect(server.record.framesIn('ack').filter((f) => ids.includes(f.attrs.id ?? '')).map((f) => f.attrs.error)).toEqual(Array(5).fill('487'));
    // Nothing else was handed over twice.
    expect(upserts.filter((u) => ids.includes(u.message.key.id!))).toHaveLength(5);
  });

  it('a group message keeps its group and sender', async () => {
    const bo = server.createContact({ name: 'Bo' });
    const group = server.createGroup({ members: [bo, server.defaultAccount] });
    const socketId = controller.currentSocket()!.id;
    const id = await sendAsTheLinkCloses(() => group.sendText(bo, 'in the group'));
    const first = withId(id)[0]!;
    expect(first.socketId).toBe(socketId);
    expect(first.message.key).toMatchObject({ remoteJid: group.jid, participant: bo.lid, fromMe: false });
    expect(first.message.message?.conversation).toBe('in the group');
    // The redelivered skmsg cannot be decrypted again (its key was used), so Baileys emits a
    // placeholder and asks Bo for a retry, and emits Bo's resend: its own copies, which the
    // app's inbound dedupe drops. The ledger handed over the message once, on the first socket.
    expect(withId(id).filter((u) => u.socketId === socketId)).toHaveLength(1);
  });

  it("the owner's phone's copy keeps fromMe", async () => {
    const cy = server.createContact({ name: 'Cy' });
    const id = await sendAsTheLinkCloses(() => server.ownerPhone().sendText(cy, 'from my phone'));
    expect(withId(id)).toHaveLength(1);
    expect(withId(id)[0]!.message.key).toMatchObject({ remoteJid: cy.phoneJid, fromMe: true });
  });

  it('an offline message whose link closes as it arrives at login is not lost either', async () => {
    // Steady state: a linked device past its first history sync (otherwise Baileys holds offline
    // messages back for 20 s after pairing).
    controller.session!.state.creds.accountSyncCounter = 1;
    const di = server.createContact({ name: 'Di' });
    controller.stop();
    await until(() => server.liveConnections().length === 0, 5000, 'the link to close');
    const socketBefore = server.record.connections.length;
    const id = await di.sendText(server.defaultAccount, 'while stopped');
    server.faults.dropAfterNextDelivery();
    controller.start();
    await until(() => server.record.connections.length >= socketBefore + 2, 10_000, 'two logins');
    await until(() => withId(id).length > 0, 10_000, 'the message');
    await until(() => server.pendingDeliveries().length === 0, 10_000, 'settled');
    expect(withId(id).map((u) => [u.type, u.message.message?.conversation])).toEqual([['append', 'while stopped']]);
    expect(server.record.connections.at(-2)!.closedReason).toBe('drop after delivery');
  });
});
