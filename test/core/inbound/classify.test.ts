/**
 * Message kinds from Baileys-shaped messages: each payload is built the way a phone sends it (the
 * fake server's `kinds` builders), encoded and decoded with Baileys' own protobuf classes, and
 * wrapped in a `WAMessage` as Baileys' `messages.upsert` hands it over.
 */
import { describe, expect, it } from 'vitest';
import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { classifyMessage, toInbound } from '../../../main/core/inbound/index.js';
import { kinds } from '../../fake-wa/index.js';
import { ACCOUNT_A } from '../outbox/fake-link.js';

const NOW = 1_800_000_000_000;
const CONTACT = '15557770000@s.whatsapp.net';

/** What Baileys emits: the content after a protobuf round trip, in a WebMessageInfo. */
function upsert(content: proto.IMessage | undefined, extra: Partial<proto.IWebMessageInfo> = {}): WAMessage {
  const message = content ? proto.Message.decode(proto.Message.encode(content).finish()) : undefined;
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: CONTACT, id: 'ID1', fromMe: false },
    messageTimestamp: 1_799_999_990,
    pushName: 'Ann',
    ...(message ? { message } : {}),
    ...extra,
  }) as unknown as WAMessage;
}

const target = { remoteJid: ACCOUNT_A.phoneJid, id: 'EARLIER', fromMe: true };

describe('message kinds', () => {
  it.each([
    ['a text', kinds.text('hello'), 'text', 'hello'],
    ['a mention', kinds.mention('hi @me', [ACCOUNT_A.phoneJid]), 'text', 'hi @me'],
    ['a photo with a caption', kinds.image({ caption: 'look' }), 'image', 'look'],
    ['a photo without a caption', kinds.image(), 'image', ''],
    ['a video', kinds.video({ caption: 'clip' }), 'video', 'clip'],
    ['a voice note', kinds.voiceNote(), 'voice', ''],
    ['an audio file', kinds.audio(), 'audio', ''],
    ['a document', kinds.document({ fileName: 'offer.pdf' }), 'document', ''],
    ['a document with a caption', kinds.document({ fileName: 'offer.pdf', caption: 'the offer' }), 'document', 'the offer'],
    ['a sticker', kinds.sticker(), 'sticker', ''],
    ['a location', kinds.location({ name: 'Dam' }), 'location', ''],
    ['a contact card', kinds.contactCard({ displayName: 'Bo', phone: '15550001234' }), 'contact', ''],
    ['a single-choice poll', kinds.poll({ name: 'Lunch?', options: ['yes', 'no'] }), 'poll', ''],
    ['a multiple-choice poll', kinds.poll({ name: 'When?', options: ['1', '2', '3'], selectableCount: 2 }), 'poll', ''],
    ['a reaction', kinds.reaction(target, '👍'), 'reaction', ''],
    ['an edit', kinds.edit(target, 'new words'), 'edit', ''],
    ['a deletion', kinds.revoke(target), 'deletion', ''],
    ['disappearing messages switched on', { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING, ephemeralExpiration: 86_400 } }, 'system', ''],
    ['a poll vote', { pollUpdateMessage: { pollCreationMessageKey: target } }, 'other', ''],
    ['a disappearing text', { ephemeralMessage: { message: kinds.text('soon gone') } }, 'text', 'soon gone'],
    ['a view-once photo', { viewOnceMessageV2: { message: kinds.image({ caption: 'once' }) } }, 'image', 'once'],
  ] as const)('%s is a %s', (_what, content, kind, text) => {
    const r = toInbound(upsert(content as proto.IMessage), ACCOUNT_A, 'notify', NOW);
    expect(r?.message).toMatchObject({ messageKind: kind, text, kind: 'chat', fromMe: false });
  });

  it.each([
    ['a sender key only', { senderKeyDistributionMessage: { groupId: '120363000000000001@g.us', axolotlSenderKeyDistributionMessage: Buffer.from([1]) } }],
    ['a history sync notice', { protocolMessage: { type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION } }],
    ['an app state key share', { protocolMessage: { type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE } }],
  ])('%s is nothing a person sees', (_what, content) => {
    expect(toInbound(upsert(content as proto.IMessage), ACCOUNT_A, 'notify', NOW)).toBeUndefined();
  });

  it('stubs: a missed call is left to the call events, a message not decrypted yet comes again; other stubs are system messages', () => {
    const Stub = proto.WebMessageInfo.StubType;
    expect(classifyMessage(upsert(undefined, { messageStubType: Stub.CALL_MISSED_VOICE }))).toBeUndefined();
    expect(classifyMessage(upsert(undefined, { messageStubType: Stub.CALL_MISSED_VIDEO }))).toBeUndefined();
    expect(classifyMessage(upsert(undefined, { messageStubType: Stub.CIPHERTEXT }))).toBeUndefined();
    expect(classifyMessage(upsert(undefined, { messageStubType: Stub.GROUP_PARTICIPANT_ADD }))).toBe('system');
    expect(classifyMessage(upsert(undefined))).toBeUndefined();
  });

  it("the owner's own messages from the phone keep their kind (the pipeline reads it for takeover)", () => {
    const r = toInbound(upsert(kinds.voiceNote(), { key: { remoteJid: CONTACT, id: 'MINE', fromMe: true } }), ACCOUNT_A, 'notify', NOW);
    expect(r?.message).toMatchObject({ fromMe: true, messageKind: 'voice', chatJid: CONTACT });
  });
});
