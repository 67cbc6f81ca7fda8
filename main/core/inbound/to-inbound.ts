/**
 * Turn a Baileys `WAMessage` from `messages.upsert` into the engine's `InboundMessage`, with what
 * kind of message it is (`classify.ts`), or undefined when it is nothing a person sees in a chat
 * (key distribution, protocol notices, a message not decrypted yet). Reactions, edits, deletions
 * and system messages come through with their kind, to be recorded as never answered. Text comes
 * from `conversation`, `extendedTextMessage` or a media caption, through the ephemeral /
 * view-once / document-with-caption wrappers.
 */
import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { isAnswerableKind, type AccountIdentity } from '../../contract/api.js';
import type { InboundKind } from '../../contract/conversation.js';
import { isPhoneJid, normalizeJid, parseJid, sameUser } from '../connection/jid.js';
import { classifyMessage, textOf, unwrapContent } from './classify.js';
import type { InboundMessage, ReceivedMessage } from './types.js';

export { textOf, unwrapContent } from './classify.js';

type Content = proto.IMessage;

function mentionedJids(c: Content): string[] {
  const info =
    c.extendedTextMessage?.contextInfo ??
    c.imageMessage?.contextInfo ??
    c.videoMessage?.contextInfo ??
    c.documentMessage?.contextInfo ??
    c.stickerMessage?.contextInfo ??
    c.audioMessage?.contextInfo;
  return (info?.mentionedJid ?? []).filter((j): j is string => typeof j === 'string');
}

function kindOf(remoteJid: string): InboundMessage['kind'] {
  if (remoteJid === 'status@broadcast') return 'status';
  const server = parseJid(remoteJid)?.server;
  if (server === 'broadcast') return 'broadcast';
  if (server === 'newsletter') return 'newsletter';
  if (server === 'g.us') return 'group';
  return 'chat';
}

function secondsToMs(t: WAMessage['messageTimestamp']): number | undefined {
  if (t === null || t === undefined) return undefined;
  const n = typeof t === 'number' ? t : Number(t.toString());
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

/** The dedupe key of a message: chat (device-free) and id. */
export function dedupeKey(chatJid: string, id: string): string {
  return `${normalizeJid(chatJid)}|${id}`;
}

export function toInbound(
  m: WAMessage,
  me: AccountIdentity | undefined,
  source: ReceivedMessage['source'],
  now: number = Date.now(),
  /** Take the message as this kind instead of classifying it (a placeholder that could not be read). */
  asKind?: InboundKind,
): ReceivedMessage | undefined {
  const key = m.key;
  const id = key?.id;
  const remoteJid = key?.remoteJid;
  if (!id || !remoteJid) return undefined;
  const messageKind = asKind ?? classifyMessage(m);
  if (!messageKind) return undefined;
  const content = unwrapContent(m.message) ?? {};
  const answerable = isAnswerableKind(messageKind);

  const kind = kindOf(remoteJid);
  const isGroup = kind === 'group';
  const chatJid = normalizeJid(remoteJid);
  const sender = normalizeJid((isGroup ? (key.participant ?? m.participant) : remoteJid) ?? remoteJid);
  const senderAlt = isGroup ? key.participantAlt : key.remoteJidAlt;
  const phoneJid = [sender, senderAlt].find((j) => isPhoneJid(j ?? undefined));
  const mentions = mentionedJids(content);
  const mentionsMe = !!me && mentions.some((j) => sameUser(j, me.phoneJid) || (me.lid !== undefined && sameUser(j, me.lid)));

  const message: InboundMessage = {
    id,
    chatJid,
    senderJid: sender,
    senderPhone: phoneJid ? parseJid(phoneJid)?.user : undefined,
    senderName: m.pushName ?? undefined,
    // What a reaction, edit or deletion carries is not the person's message: never quoted.
    text: answerable ? textOf(content) : '',
    timestamp: secondsToMs(m.messageTimestamp) ?? now,
    fromMe: !!key.fromMe,
    isGroup,
    mentionsMe,
    kind,
    messageKind,
  };
  const keys = [dedupeKey(chatJid, id)];
  if (key.remoteJidAlt && !isGroup) keys.push(dedupeKey(key.remoteJidAlt, id));
  return { message, keys, source };
}

/**
 * A placeholder Baileys upserted for a message it could not decrypt (stub `CIPHERTEXT`): what is
 * known of it (chat, sender, time), as a message of kind `other` without text. Undefined for
 * anything else, and for the account's own messages.
 */
export function undecryptedPlaceholder(
  m: WAMessage,
  me: AccountIdentity | undefined,
  source: ReceivedMessage['source'],
  now: number = Date.now(),
): ReceivedMessage | undefined {
  if (m.messageStubType !== proto.WebMessageInfo.StubType.CIPHERTEXT || m.key?.fromMe) return undefined;
  if (unwrapContent(m.message) !== undefined && classifyMessage(m) !== undefined) return undefined;
  return toInbound(m, me, source, now, 'other');
}
