/**
 * What kind of message a Baileys `WAMessage` is, as the person would say it: a text, a photo, a
 * voice message, a reaction, an edit … (`InboundKind`), or nothing a person sees at all
 * (`undefined`: key distribution, history-sync and app-state notices, a message Baileys could not
 * decrypt yet, the stub of a missed call, which the call events report instead).
 *
 * Reactions, edits, deletions, system messages and content Replyline does not know are kinds of
 * their own: they reach the engine only to be recorded as never answered.
 */
import { proto, type WAMessage } from '@whiskeysockets/baileys';
import type { InboundKind } from '../../contract/conversation.js';

type Content = proto.IMessage;

const Stub = proto.WebMessageInfo.StubType;
const Protocol = proto.Message.ProtocolMessage.Type;

/** Stubs that are not a message in the chat: a missed call (the `call` event reports it), and
 * a message not decrypted yet (it comes again, decrypted, with the same id). */
const NOT_A_MESSAGE_STUBS = new Set<number>([
  Stub.CIPHERTEXT,
  Stub.CALL_MISSED_VOICE,
  Stub.CALL_MISSED_VIDEO,
  Stub.CALL_MISSED_GROUP_VOICE,
  Stub.CALL_MISSED_GROUP_VIDEO,
]);

/** Protocol messages a person sees in the chat. Every other type is plumbing. */
const VISIBLE_PROTOCOL: ReadonlyMap<number, InboundKind> = new Map<number, InboundKind>([
  [Protocol.REVOKE, 'deletion'],
  [Protocol.MESSAGE_EDIT, 'edit'],
  [Protocol.EPHEMERAL_SETTING, 'system'],
]);

/** Content fields that hold no message of their own (they ride along with one). */
const CARRIER_FIELDS = new Set<string>(['messageContextInfo', 'senderKeyDistributionMessage']);

/**
 * Peel the wrappers WhatsApp puts around the real content (disappearing, view once, document
 * with caption). Not edits: an edit is not a new message.
 */
export function unwrapContent(message: Content | null | undefined): Content | undefined {
  let content = message ?? undefined;
  for (let i = 0; i < 5 && content; i++) {
    const inner =
      content.ephemeralMessage ??
      content.viewOnceMessage ??
      content.viewOnceMessageV2 ??
      content.viewOnceMessageV2Extension ??
      content.documentWithCaptionMessage;
    if (!inner?.message) break;
    content = inner.message;
  }
  return content;
}

/** The kind of a message; undefined when it is nothing a person sees in a chat. */
export function classifyMessage(m: Pick<WAMessage, 'message' | 'messageStubType'>): InboundKind | undefined {
  const content = unwrapContent(m.message);
  if (!content || !hasOwnContent(content)) {
    const stub = m.messageStubType;
    if (stub === null || stub === undefined || NOT_A_MESSAGE_STUBS.has(stub)) return undefined;
    return 'system';
  }
  return contentKind(content);
}

/** The kind of unwrapped content (see `classifyMessage`). */
export function contentKind(c: Content): InboundKind | undefined {
  if (c.reactionMessage || c.encReactionMessage) return 'reaction';
  if (c.editedMessage) return 'edit';
  if (c.protocolMessage) {
    const type = c.protocolMessage.type;
    return type === null || type === undefined ? undefined : VISIBLE_PROTOCOL.get(type);
  }
  if (has(c.conversation) || c.extendedTextMessage) return 'text';
  if (c.buttonsResponseMessage || c.listResponseMessage || c.templateButtonReplyMessage || c.interactiveResponseMessage) return 'text';
  if (c.imageMessage) return 'image';
  if (c.videoMessage || c.ptvMessage) return 'video';
  if (c.audioMessage) return c.audioMessage.ptt ? 'voice' : 'audio';
  if (c.documentMessage) return 'document';
  if (c.stickerMessage || c.lottieStickerMessage) return 'sticker';
  if (c.locationMessage || c.liveLocationMessage) return 'location';
  if (c.contactMessage || c.contactsArrayMessage) return 'contact';
  if (c.pollCreationMessage || c.pollCreationMessageV2 || c.pollCreationMessageV3) return 'poll';
  // A poll vote, a pin, an event, an order …: seen in the chat, not answered.
  return 'other';
}

/** The message's text: the text itself, a caption, the chosen button's words; '' for none. */
export function textOf(c: Content): string {
  return (
    c.conversation ??
    c.extendedTextMessage?.text ??
    c.imageMessage?.caption ??
    c.videoMessage?.caption ??
    c.ptvMessage?.caption ??
    c.documentMessage?.caption ??
    c.buttonsResponseMessage?.selectedDisplayText ??
    c.listResponseMessage?.title ??
    c.templateButtonReplyMessage?.selectedDisplayText ??
    ''
  );
}

function hasOwnContent(c: Content): boolean {
  for (const [field, value] of Object.entries(c)) {
    if (CARRIER_FIELDS.has(field)) continue;
    if (value !== null && value !== undefined) return true;
  }
  return false;
}

function has(s: string | null | undefined): boolean {
  return s !== null && s !== undefined;
}
