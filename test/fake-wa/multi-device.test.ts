/**
 * A contact with two devices (its phone and a linked device), through the real Baileys client:
 * usync lists both, and a reply reaches both, each decrypting it once.
 */
import { describe, expect, it } from 'vitest';
import { useFakeWa } from './test-harness.js';

const wa = useFakeWa();

describe('a contact with two devices', () => {
  it('usync lists the phone and the linked device (with its key-index)', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const gil = server.createContact({ name: 'Gil', devices: 2 });
    const devices = await c.sock.getUSyncDevices([gil.phoneJid], false, false);
    expect(devices.map((d) => d.device ?? 0).sort()).toEqual([0, 1]);
  });

  it('a reply reaches both devices, each decrypting it exactly once; the next reply too', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const gil = server.createContact({ name: 'Gil', devices: 2 });
    await gil.sendText(server.defaultAccount, 'are you there?');
    await server.waitFor(() => c.upserts.length === 1, 5000, 'inbound');
    await c.sock.sendMessage(gil.phoneJid, { text: 'yes' }, { messageId: 'MD1' });
    await server.waitFor(() => gil.received.length === 2, 5000, 'both devices');
    expect(gil.received.map((m) => [m.id, m.deviceId, m.text]).sort()).toEqual([
      ['MD1', 0, 'yes'],
      ['MD1', 1, 'yes'],
    ]);
    // One stanza carried both copies.
    expect(server.record.clientMessages.filter((m) => m.id === 'MD1')).toHaveLength(1);
    await c.sock.sendMessage(gil.phoneJid, { text: 'still here' }, { messageId: 'MD2' });
    await server.waitFor(() => gil.received.length === 4, 5000, 'second reply on both');
    expect(gil.receivedOn(0).map((m) => m.text)).toEqual(['yes', 'still here']);
    expect(gil.receivedOn(1).map((m) => m.text)).toEqual(['yes', 'still here']);
    expect(server.record.decryptErrors).toEqual([]);
  });

  it('a resend after a dropped ack is suppressed for both devices', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    const hal = server.createContact({ name: 'Hal', devices: 2 });
    server.faults.dropAfterNextMessage();
    await c.sock.sendMessage(hal.phoneJid, { text: 'once' }, { messageId: 'MDUP' });
    expect((await c.closed).statusCode).toBe(428);
    const again = wa.client(auth);
    await again.opened;
    await again.sock.sendMessage(hal.phoneJid, { text: 'once' }, { messageId: 'MDUP' });
    await server.waitFor(() => server.record.duplicateSends.filter((d) => d.id === 'MDUP').length >= 2, 5000, 'suppressed');
    expect(hal.received.map((m) => m.deviceId).sort()).toEqual([0, 1]);
    const suppressed = server.record.duplicateSends.map((d) => d.to).filter((to) => to.startsWith(hal.phoneNumber));
    expect(suppressed.sort()).toEqual([hal.phoneJid, `${hal.phoneNumber}:1@s.whatsapp.net`].sort());
  });
});
