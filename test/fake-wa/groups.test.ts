/**
 * Groups through the real Baileys client: metadata queries, members' messages (sender keys,
 * mentions), the client's own group messages fanned out to every member device, the owner's
 * phone in a group, and offline delivery.
 */
import type { BaileysEventMap } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { kinds, type TestClient } from './index.js';
import { textOfUpsert, useFakeWa } from './test-harness.js';

const wa = useFakeWa();

async function groupOfThree(addressing?: 'lid' | 'pn') {
  const server = await wa.start();
  const me = server.defaultAccount;
  const { auth, c } = await wa.pairAndLogin();
  const ada = server.createContact({ name: 'Ada' });
  const ben = server.createContact({ name: 'Ben', devices: 2 });
  const group = server.createGroup({ subject: 'Climbing', members: [ada, me, ben], addressing });
  return { server, me, auth, c, ada, ben, group };
}

const inGroup = (c: TestClient, jid: string) => c.upserts.filter((u) => u.message.key.remoteJid === jid);

describe('group metadata', () => {
  it('answers groupMetadata: subject, LID members with phone numbers, the creator as superadmin', async () => {
    const { c, me, ada, ben, group } = await groupOfThree();
    const meta = await c.sock.groupMetadata(group.jid);
    expect(meta).toMatchObject({ id: group.jid, subject: 'Climbing', addressingMode: 'lid', size: 3, owner: ada.lid });
    expect(meta.participants.map((p) => [p.id, p.phoneNumber, p.admin])).toEqual([
      [ada.lid, ada.phoneJid, 'superadmin'],
      [me.lid, me.phoneJid, null],
      [ben.lid, ben.phoneJid, null],
    ]);
  });

  it('a PN group names members by phone number with their LID; groupFetchAllParticipating lists it', async () => {
    const { c, me, group } = await groupOfThree('pn');
    const meta = await c.sock.groupMetadata(group.jid);
    expect(meta.addressingMode).toBe('pn');
    expect(meta.participants.find((p) => p.id === me.phoneJid)?.lid).toBe(me.lid);
    const all = await c.sock.groupFetchAllParticipating();
    expect(Object.keys(all)).toEqual([group.jid]);
  });

  it('refuses a group the account is not in (403) and an unknown one (404)', async () => {
    const { server, c, ada } = await groupOfThree();
    const other = server.createGroup({ subject: 'Not yours', members: [ada] });
    // Baileys' query() turns an <error code text/> answer into an error with the code as `data`.
    await expect(c.sock.groupMetadata(other.jid)).rejects.toMatchObject({ message: 'forbidden', data: 403 });
    await expect(c.sock.groupMetadata('120363999999999999@g.us')).rejects.toMatchObject({ message: 'item-not-found', data: 404 });
  });
});

describe("members' messages", () => {
  it('a member writes: Baileys gets the sender key with the first message, and reads the next with it', async () => {
    const { server, c, ada, group } = await groupOfThree();
    await group.sendText(ada, 'first', { id: 'G1' });
    await group.sendText(ada, 'second', { id: 'G2' });
    await server.waitFor(() => inGroup(c, group.jid).length === 2, 5000, 'two group messages');
    const [first, second] = inGroup(c, group.jid);
    expect(first!.message.key).toMatchObject({ remoteJid: group.jid, participant: ada.lid, participantAlt: ada.phoneJid, fromMe: false, id: 'G1' });
    expect(first!.message.pushName).toBe('Ada');
    expect([textOfUpsert(first!), textOfUpsert(second!)]).toEqual(['first', 'second']);
    // The first stanza carried the sender key pairwise (a pkmsg before the skmsg), the second only the skmsg.
    const out = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message');
    expect(out.map((f) => [f.attrs.id, f.encs])).toEqual([
      ['G1', ['pkmsg', 'skmsg']],
      ['G2', ['skmsg']],
    ]);
    expect(server.record.clientReceipts.filter((r) => r.id === 'G1' || r.id === 'G2')).toHaveLength(2);
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipts');
  });

  it('a mention of the account arrives as contextInfo.mentionedJid (the account LID)', async () => {
    const { server, c, me, ben, group } = await groupOfThree();
    await group.sendMessage(ben, kinds.mention(`@${me.lidUser} are you in?`, [me.lid]), { id: 'GM' });
    await server.waitFor(() => inGroup(c, group.jid).length === 1, 5000, 'mention');
    const m = inGroup(c, group.jid)[0]!.message;
    expect(m.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([me.lid]);
    expect(m.key.participant).toBe(ben.lid);
  });

  it('a copy the device cannot decrypt: it asks for a retry, and the member sends it pairwise with its key', async () => {
    const { server, c, ada, group } = await groupOfThree();
    server.faults.corruptDeliveries(1);
    await group.sendText(ada, 'damaged on the way', { id: 'GR' });
    await server.waitFor(() => inGroup(c, group.jid).some((u) => textOfUpsert(u) === 'damaged on the way'), 5000, 'retried message');
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipt for the resend');
    expect(server.record.clientReceipts.filter((r) => r.id === 'GR').map((r) => r.type)).toEqual(['retry', 'inactive']);
    expect(server.record.retries).toMatchObject([{ id: 'GR', count: 1, bundleFrom: 'server' }]);
    // The resend is one pairwise enc with a retry count, no skmsg.
    const resend = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message' && f.attrs.id === 'GR').at(-1)!;
    expect(resend.encs).toEqual(['pkmsg']);
    // Ada's next message goes by skmsg alone again, and the device reads it with the key from the resend.
    await group.sendText(ada, 'after the retry', { id: 'GR2' });
    await server.waitFor(() => inGroup(c, group.jid).some((u) => textOfUpsert(u) === 'after the retry'), 5000, 'next message');
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipts');
  });

  it('a PN group: participant is the phone number, participantAlt the LID', async () => {
    const { server, c, ada, group } = await groupOfThree('pn');
    await group.sendText(ada, 'pn group', { id: 'GPN' });
    await server.waitFor(() => inGroup(c, group.jid).length === 1, 5000, 'message');
    expect(inGroup(c, group.jid)[0]!.message.key).toMatchObject({ participant: ada.phoneJid, participantAlt: ada.lid });
  });

  it('while offline: the group message waits and arrives at login (append), sender key included', async () => {
    const { server, auth, c, ada, group } = await groupOfThree();
    c.end();
    await c.closed;
    await group.sendText(ada, 'while away', { id: 'GOFF' });
    expect(server.pendingDeliveries()).toEqual([{ deviceId: 1, id: 'GOFF' }]);
    const back = wa.client(auth);
    await back.opened;
    await server.waitFor(() => inGroup(back, group.jid).length === 1, 5000, 'offline group message');
    expect(inGroup(back, group.jid)[0]).toMatchObject({ type: 'append' });
    expect(textOfUpsert(inGroup(back, group.jid)[0]!)).toBe('while away');
  });
});

describe("the client's group messages", () => {
  it('reach every member device (both devices of a two-device member, the own phone), each decrypting once', async () => {
    const { server, c, me, ada, ben, group } = await groupOfThree();
    await c.sock.sendMessage(group.jid, { text: 'hello all' }, { messageId: 'R1' });
    // Members: Ada (1 device), Ben (2 devices), the account's own phone. The sending device is not a recipient.
    const expected = [
      [ada.phoneJid, 0],
      [ben.phoneJid, 0],
      [ben.phoneJid, 1],
      [me.phoneJid, 0],
    ].sort();
    await server.waitFor(() => server.record.groupMessages(group.jid).length === 4, 5000, 'four member devices');
    const r1 = server.record.groupMessages(group.jid).filter((m) => m.id === 'R1');
    expect(r1.map((m) => [m.to, m.deviceId]).sort()).toEqual(expected);
    expect(r1.every((m) => m.text === 'hello all' && m.encType === 'skmsg')).toBe(true);
    expect(ada.received.map((m) => [m.id, m.chat, m.text])).toEqual([['R1', group.jid, 'hello all']]);
    expect(ben.receivedOn(1).map((m) => m.text)).toEqual(['hello all']);
    // A second message: the sender key is known everywhere, so only the skmsg goes out; all decrypt it.
    await c.sock.sendMessage(group.jid, { text: 'again' }, { messageId: 'R2' });
    await server.waitFor(() => server.record.groupMessages(group.jid).length === 8, 5000, 'second round');
    const r2 = server.record.groupMessages(group.jid).filter((m) => m.id === 'R2');
    expect(r2.map((m) => [m.to, m.deviceId]).sort()).toEqual(expected);
    expect(server.record.clientMessages.find((m) => m.id === 'R2')?.recipients).toEqual([]);
    expect(server.record.decryptErrors).toEqual([]);
    expect(server.record.unknownIqs).toEqual([]);
  });

  it('a reply that mentions a member carries the mention to every device', async () => {
    const { server, c, ada, group } = await groupOfThree();
    await c.sock.sendMessage(group.jid, { text: `@${ada.lidUser} sure`, mentions: [ada.lid] }, { messageId: 'RM' });
    await server.waitFor(() => server.record.groupMessages(group.jid).length === 4, 5000, 'fan-out');
    const copy = ada.received[0]!.message as { extendedTextMessage?: { contextInfo?: { mentionedJid?: string[] } } };
    expect(copy.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([ada.lid]);
  });
});

describe('two accounts in a group', () => {
  it("one client's group message is relayed to the other account's client, which decrypts it; its receipt comes back", async () => {
    const server = await wa.start();
    const ann = server.createAccount({ name: 'Ann' });
    const bea = server.createAccount({ name: 'Bea' });
    const A = await wa.pairAndLogin(ann);
    const B = await wa.pairAndLogin(bea);
    const cal = server.createContact({ name: 'Cal' });
    const group = server.createGroup({ subject: 'Both', members: [ann, bea, cal] });
    const receipts: BaileysEventMap['message-receipt.update'][] = [];
    A.c.sock.ev.on('message-receipt.update', (u) => receipts.push(u));
    await A.c.sock.sendMessage(group.jid, { text: 'hi both' }, { messageId: 'X1' });
    await server.waitFor(() => inGroup(B.c, group.jid).length === 1, 5000, 'B gets it');
    const got = inGroup(B.c, group.jid)[0]!;
    expect(got.message.key).toMatchObject({ remoteJid: group.jid, participant: ann.lid, fromMe: false });
    expect(textOfUpsert(got)).toBe('hi both');
    // Cal and both phones decrypted their copies; B's companion got the relayed stanza (pkmsg key + skmsg).
    expect(server.record.groupMessages(group.jid).map((m) => m.to).sort()).toEqual([ann.phoneJid, bea.phoneJid, cal.phoneJid].sort());
    expect(server.record.crossAccountTo(bea).map((m) => [m.id, m.chat, m.encType])).toEqual([['X1', group.jid, 'pkmsg']]);
    // B's delivery receipt reaches A as a group receipt naming B. Baileys reports it as
    // message-receipt.update, or, if it comes within ~100 ms of A's own send, folds it into the
    // upsert of that send (`userReceipt`), as it does with 1:1 receipts.
    const readers = () => [
      ...receipts.flat().filter((r) => r.key.id === 'X1').map((r) => r.receipt.userJid),
      ...A.c.upserts.filter((u) => u.message.key.id === 'X1').flatMap((u) => (u.message.userReceipt ?? []).map((r) => r.userJid)),
    ];
    await server.waitFor(() => readers().length > 0, 5000, 'receipt at A');
    expect(readers()).toEqual([`${bea.lidUser}@lid`]);
  });
});

describe("the owner's phone in a group", () => {
  it('the phone writes in the group: the linked device sees fromMe with the owner as participant', async () => {
    const { server, c, me, group } = await groupOfThree();
    await server.ownerPhone().sendToGroup(group, 'from my phone', { id: 'GOWN' });
    await server.waitFor(() => inGroup(c, group.jid).length === 1, 5000, 'own group message');
    const own = inGroup(c, group.jid)[0]!;
    expect(own.message.key).toMatchObject({ remoteJid: group.jid, fromMe: true, participant: me.lid, id: 'GOWN' });
    expect(textOfUpsert(own)).toBe('from my phone');
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'sender receipt');
  });

  it('the phone reads a group message: message-receipt.update for the owner', async () => {
    const { server, c, me, ada, group } = await groupOfThree();
    const receipts: BaileysEventMap['message-receipt.update'][] = [];
    c.sock.ev.on('message-receipt.update', (u) => receipts.push(u));
    await group.sendText(ada, 'read me', { id: 'GREAD' });
    await server.waitFor(() => inGroup(c, group.jid).length === 1, 5000, 'message');
    await server.ownerPhone().readSelf(group, ['GREAD'], { sender: ada.lid });
    await server.waitFor(() => receipts.flat().length === 1, 5000, 'receipt update');
    expect(receipts.flat()[0]).toMatchObject({ key: { remoteJid: group.jid, id: 'GREAD' }, receipt: { userJid: me.phoneJid } });
    expect(receipts.flat()[0]!.receipt.readTimestamp).toBeGreaterThan(0);
  });
});
