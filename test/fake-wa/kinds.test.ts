/**
 * Message kinds and calls from contacts, through the real Baileys client: each arrives as Baileys
 * reports it to an app (upserts with the protobuf fields, reactions, edits and deletions as
 * updates, calls as `call` events and a missed call as a stub message).
 */
import { proto, WAMessageStubType, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { kinds, type TestClient } from './index.js';
import { useFakeWa } from './test-harness.js';

const wa = useFakeWa();

function collect<E extends keyof BaileysEventMap>(c: TestClient, event: E): BaileysEventMap[E][] {
  const all: BaileysEventMap[E][] = [];
  c.sock.ev.on(event, (payload) => all.push(payload));
  return all;
}

const upserted = (c: TestClient, id: string): WAMessage | undefined => c.upserts.find((u) => u.message.key.id === id)?.message;

describe('message kinds from a contact', () => {
  it('each kind arrives with its protobuf fields and the stanza type WhatsApp gives it', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const ann = server.createContact({ name: 'Ann' });
    const me = server.defaultAccount;
    const cases: [string, proto.IMessage, (m: proto.IMessage) => unknown, string, string | undefined][] = [
      ['IMG', kinds.image(), (m) => m.imageMessage?.mimetype, 'media', 'image'],
      ['IMGCAP', kinds.image({ caption: 'a photo' }), (m) => m.imageMessage?.caption, 'media', 'image'],
      ['VID', kinds.video({ caption: 'a clip' }), (m) => m.videoMessage?.caption, 'media', 'video'],
      ['PTT', kinds.voiceNote(), (m) => m.audioMessage?.ptt, 'media', 'ptt'],
      ['AUD', kinds.audio(), (m) => m.audioMessage?.ptt, 'media', 'audio'],
      ['DOC', kinds.document({ fileName: 'plan.pdf' }), (m) => m.documentMessage?.fileName, 'media', 'document'],
      ['DOCCAP', kinds.document({ fileName: 'plan.pdf', caption: 'read this' }), (m) => m.documentWithCaptionMessage?.message?.documentMessage?.caption, 'media', 'document'],
      ['STK', kinds.sticker(), (m) => m.stickerMessage?.mimetype, 'media', 'sticker'],
      ['LOC', kinds.location({ name: 'Dam' }), (m) => m.locationMessage?.name, 'text', undefined],
      ['VCF', kinds.contactCard({ displayName: 'Bea', phone: '15550209999' }), (m) => m.contactMessage?.displayName, 'media', 'vcard'],
      ['POLL', kinds.poll({ name: 'Lunch?', options: ['yes', 'no'] }), (m) => m.pollCreationMessageV3?.name, 'poll', undefined],
    ];
    const expected = ['image/jpeg', 'a photo', 'a clip', true, false, 'plan.pdf', 'read this', 'image/webp', 'Dam', 'Bea', 'Lunch?'];
    for (const [id, message] of cases) await ann.sendMessage(me, message, { id });
    await server.waitFor(() => cases.every(([id]) => upserted(c, id)), 5000, 'every kind upserted');
    expect(cases.map(([id, , read]) => read(upserted(c, id)!.message!))).toEqual(expected);
    for (const u of c.upserts) expect(u.type).toBe('notify');
    // The stanza attributes, as Baileys' own sender would set them.
    const out = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message');
    expect(cases.map(([id]) => out.find((f) => f.attrs.id === id)?.attrs.type)).toEqual(cases.map((x) => x[3]));
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'all receipted');
    expect(server.record.decryptErrors).toEqual([]);
  });

  it('a reaction, an edit and a deletion: an upsert for each, plus the reaction / update events', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const reactions = collect(c, 'messages.reaction');
    const updates = collect(c, 'messages.update');
    const bo = server.createContact({ name: 'Bo' });
    const me = server.defaultAccount;
    await bo.sendText(me, 'typo here', { id: 'ORIG' });
    await server.waitFor(() => !!upserted(c, 'ORIG'), 5000, 'original');
    const mine = await c.sock.sendMessage(bo.phoneJid, { text: 'a reply' }, { messageId: 'MINE' });
    expect(mine?.key.id).toBe('MINE');
    // Baileys folds a reaction that comes while its own send's upsert is still buffered (~100 ms)
    // into that upsert; wait for the upsert so the reaction is an event of its own.
    await server.waitFor(() => !!upserted(c, 'MINE'), 5000, 'own send upserted');
    // Bo reacts to our reply, edits its own message, then deletes it.
    await bo.sendMessage(me, kinds.reaction({ remoteJid: me.phoneJid, id: 'MINE', fromMe: false }, '👍'), { id: 'REACT' });
    await bo.sendMessage(me, kinds.edit({ remoteJid: me.phoneJid, id: 'ORIG', fromMe: true }, 'no typo'), { id: 'EDIT' });
    await bo.sendMessage(me, kinds.revoke({ remoteJid: me.phoneJid, id: 'ORIG', fromMe: true }), { id: 'DEL' });
    await server.waitFor(() => !!upserted(c, 'REACT') && !!upserted(c, 'EDIT') && !!upserted(c, 'DEL'), 5000, 'three upserts');
    expect(upserted(c, 'REACT')!.message?.reactionMessage?.text).toBe('👍');
    expect(upserted(c, 'EDIT')!.message?.protocolMessage?.type).toBe(proto.Message.ProtocolMessage.Type.MESSAGE_EDIT);
    expect(upserted(c, 'DEL')!.message?.protocolMessage?.type).toBe(proto.Message.ProtocolMessage.Type.REVOKE);
    await server.waitFor(() => reactions.flat().length === 1, 5000, 'reaction event');
    // Baileys turns the key around to our side: the reaction is on our own message.
    expect(reactions.flat()[0]).toMatchObject({ key: { id: 'MINE', fromMe: true, remoteJid: bo.phoneJid }, reaction: { text: '👍' } });
    await server.waitFor(
      () => updates.flat().some((u) => u.key.id === 'ORIG' && u.update.messageStubType === WAMessageStubType.REVOKE),
      5000,
      'revoke update',
    );
    const edit = updates.flat().find((u) => u.key.id === 'ORIG' && u.update.message?.editedMessage);
    expect(edit?.update.message?.editedMessage?.message?.conversation).toBe('no typo');
    const out = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message');
    expect(['REACT', 'EDIT', 'DEL'].map((id) => [out.find((f) => f.attrs.id === id)?.attrs.type, out.find((f) => f.attrs.id === id)?.attrs.edit])).toEqual([
      ['reaction', undefined],
      ['text', '1'],
      ['text', '7'],
    ]);
  });

  it('mentions arrive as contextInfo.mentionedJid', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const cy = server.createContact({ name: 'Cy' });
    const me = server.defaultAccount;
    await cy.sendMessage(me, kinds.mention(`hi @${me.phoneNumber}`, [me.phoneJid]), { id: 'MENTION' });
    await server.waitFor(() => !!upserted(c, 'MENTION'), 5000, 'mention');
    expect(upserted(c, 'MENTION')!.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([me.phoneJid]);
  });
});

describe('calls', () => {
  it('an unanswered call: `call` events offer then timeout, and Baileys adds a missed-call message', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const calls = collect(c, 'call');
    const di = server.createContact({ name: 'Di' });
    const callId = await di.missedCall(server.defaultAccount);
    await server.waitFor(() => calls.flat().length === 2, 5000, 'two call events');
    expect(calls.flat().map((x) => [x.id, x.status, x.from, x.isVideo, x.offline])).toEqual([
      [callId, 'offer', di.phoneJid, false, false],
      [callId, 'timeout', di.phoneJid, false, false],
    ]);
    await server.waitFor(() => !!upserted(c, callId), 5000, 'missed-call stub');
    expect(upserted(c, callId)).toMatchObject({ key: { remoteJid: di.phoneJid, fromMe: false }, messageStubType: WAMessageStubType.CALL_MISSED_VOICE });
    expect(c.upserts.find((u) => u.message.key.id === callId)?.type).toBe('notify');
    // Each call stanza is acked, which clears it on the server.
    await server.waitFor(() => server.pendingStanzas('call').length === 0, 5000, 'calls acked');
  });

  it('a video call the caller hangs up: status terminate, no missed-call message', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const calls = collect(c, 'call');
    const ed = server.createContact({ name: 'Ed' });
    const callId = await ed.callOffer(server.defaultAccount, { video: true });
    await ed.endCall(server.defaultAccount, callId, { reason: 'hangup' });
    await server.waitFor(() => calls.flat().length === 2, 5000, 'two call events');
    expect(calls.flat().map((x) => [x.status, x.isVideo])).toEqual([
      ['offer', true],
      ['terminate', true],
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(upserted(c, callId)).toBeUndefined();
  });

  it('a call the owner answers on the phone: offer, accept from the phone, then terminate; no missed-call message', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const calls = collect(c, 'call');
    const gus = server.createContact({ name: 'Gus' });
    const callId = await gus.callOffer(server.defaultAccount);
    await server.ownerPhone().acceptCall(gus, callId);
    await gus.endCall(server.defaultAccount, callId, { reason: 'hangup' });
    await server.waitFor(() => calls.flat().length === 3, 5000, 'three call events');
    expect(calls.flat().map((x) => [x.id, x.status, x.from, x.chatId])).toEqual([
      [callId, 'offer', gus.phoneJid, gus.phoneJid],
      [callId, 'accept', gus.phoneJid, server.defaultAccount.phoneJid],
      [callId, 'terminate', gus.phoneJid, gus.phoneJid],
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(upserted(c, callId)).toBeUndefined();
    await server.waitFor(() => server.pendingStanzas('call').length === 0, 5000, 'calls acked');
  });

  it('a call the owner declines on the phone: offer, then reject from the phone', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin();
    const calls = collect(c, 'call');
    const hal = server.createContact({ name: 'Hal' });
    const callId = await hal.callOffer(server.defaultAccount);
    await server.ownerPhone().rejectCall(hal, callId);
    await server.waitFor(() => calls.flat().length === 2, 5000, 'two call events');
    expect(calls.flat().map((x) => [x.id, x.status, x.from])).toEqual([
      [callId, 'offer', hal.phoneJid],
      [callId, 'reject', hal.phoneJid],
    ]);
  });

  it('a missed video call while offline: delivered at login (offline), the stub is an append', async () => {
    const server = await wa.start();
    const { auth, c } = await wa.pairAndLogin();
    c.end();
    await c.closed;
    const flo = server.createContact({ name: 'Flo' });
    const callId = await flo.missedCall(server.defaultAccount, { video: true });
    expect(server.pendingStanzas('call')).toHaveLength(2);
    const back = wa.client(auth);
    const calls = collect(back, 'call');
    await back.opened;
    await server.waitFor(() => !!upserted(back, callId), 5000, 'missed-call stub');
    expect(calls.flat().map((x) => [x.status, x.offline])).toEqual([
      ['offer', true],
      ['timeout', true],
    ]);
    expect(back.upserts.find((u) => u.message.key.id === callId)).toMatchObject({
      type: 'append',
      message: { messageStubType: WAMessageStubType.CALL_MISSED_VIDEO },
    });
    expect(server.record.connections.at(-1)!.offlineCount).toBe(2);
  });
});
