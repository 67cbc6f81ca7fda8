/**
 * Turn a Baileys `WAMessage` from `messages.upsert` into the engine's `InboundMessage`, or
 * undefined when it is not something a person wrote (protocol messages, reactions, edits,
 * revokes, key distribution, stubs). Text comes from `conversation`, `extendedTextMessage`
 * or a media caption, through the ephemeral / view-once / document-with-caption wrappers.
 */
import type { proto, WAMessage } from '@whiskeysockets/baileys';
import type { AccountIdentity } from '../../contract/api.js';
import { isPhoneJid, normalizeJid, parseJid, sameUser } from '../connection/jid.js';
import type { InboundMessage, ReceivedMessage } from './types.js';

type Content = proto.IMessage;

/** Content types a person writes. Anything else (protocol, reaction, edit, …) is not answered. */
const PERSON_CONTENT = [
  'conversation',
  'extendedTextMessage',
  'imageMessage',
  'videoMessage',
  'audioMessage',
  'documentMessage',
  'stickerMessage',
  'contactMessage',
  'contactsArrayMessage',
  'locationMessage',
  'liveLocationMessage',
  'pollCreationMessage',
  'pollCreationMessageV3',
  'buttonsResponseMessage',
  'listResponseMessage',
  'templateButtonReplyMessage',
] as const satisfies ReadonlyArray<keyof Content>;

/** Peel the wrappers WhatsApp puts around the real content (not edits: an edit is not a new message). */
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

export function textOf(c: Content): string {
  return (
    c.conversation ??
    c.extendedTextMessage?.text ??
    c.imageMessage?.caption ??
    c.videoMessage?.caption ??
    c.documentMessage?.caption ??
    ''
  );
}

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
): ReceivedMessage | undefined {
  const key = m.key;
  const id = key?.id;
  const remoteJid = key?.remoteJid;
  if (!id || !remoteJid) return undefined;
  const content = unwrapContent(m.message);
  if (!content || !PERSON_CONTENT.some((k) => content[k] !== null && content[k] !== undefined)) return undefined;

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
    text: textOf(content),
    timestamp: secondsToMs(m.messageTimestamp) ?? now,
    fromMe: !!key.fromMe,
    isGroup,
    mentionsMe,
    kind,
  };
  const keys = [dedupeKey(chatJid, id)];
  if (key.remoteJidAlt && !isGroup) keys.push(dedupeKey(key.remoteJidAlt, id));
  return { message, keys, source };
}
