/**
 * Message kinds a contact (or the owner's phone) can send, as protobuf payloads only: no media is
 * uploaded or downloaded, so the media fields carry plausible random values (keys, hashes, a CDN
 * path) that nothing ever fetches. Also the stanza attributes WhatsApp puts on each kind, taken
 * from Baileys' own sender (`getMessageType`, `getMediaType` and the `edit` attribute in
 * messages-send.js), so the client sees exactly what a real phone's message would look like.
 */
import { normalizeMessageContent, proto, type WAMessageKey } from '@whiskeysockets/baileys';
import { randomBytes } from 'node:crypto';

/** Fields every media message carries (what a phone sets after uploading the encrypted file). */
function mediaFields(mimetype: string, fileLength: number): {
  url: string;
  directPath: string;
  mimetype: string;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
  mediaKey: Buffer;
  fileLength: number;
  mediaKeyTimestamp: number;
} {
  const path = `/v/t62.7118-24/${randomBytes(8).toString('hex')}.enc`;
  return {
    url: `https://mmg.whatsapp.net${path}`,
    directPath: path,
    mimetype,
    fileSha256: randomBytes(32),
    fileEncSha256: randomBytes(32),
    mediaKey: randomBytes(32),
    fileLength,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
  };
}

/** A key naming an earlier message, for reactions, edits and deletions. */
export interface TargetKey {
  /** The chat: the contact's own jid when it reacts to / edits / deletes in its chat with the account. */
  remoteJid: string;
  id: string;
  /** Whether the target was sent by the one who now reacts / edits / deletes. */
  fromMe: boolean;
  /** Group messages: who sent the target. */
  participant?: string;
}

function key(target: TargetKey): WAMessageKey {
  return { remoteJid: target.remoteJid, id: target.id, fromMe: target.fromMe, participant: target.participant };
}

/** Builders for each kind. Every function returns a fresh `proto.IMessage`. */
export const kinds = {
  text(text: string): proto.IMessage {
    return { conversation: text };
  },

  /** Text that @-mentions `jids` (`contextInfo.mentionedJid`), as WhatsApp sends a mention. */
  mention(text: string, jids: string[]): proto.IMessage {
    return { extendedTextMessage: { text, contextInfo: { mentionedJid: jids } } };
  },

  image(opts: { caption?: string } = {}): proto.IMessage {
    return {
      imageMessage: {
        ...mediaFields('image/jpeg', 48_213),
        caption: opts.caption,
        height: 1280,
        width: 960,
        jpegThumbnail: randomBytes(64),
      },
    };
  },

  video(opts: { caption?: string } = {}): proto.IMessage {
    return { videoMessage: { ...mediaFields('video/mp4', 1_204_311), caption: opts.caption, seconds: 12, height: 720, width: 1280 } };
  },

  /** A voice note: an audio message with `ptt` (push to talk) set. */
  voiceNote(seconds = 7): proto.IMessage {
    return { audioMessage: { ...mediaFields('audio/ogg; codecs=opus', 14_907), seconds, ptt: true, waveform: randomBytes(64) } };
  },

  /** An audio file (not a voice note). */
  audio(seconds = 180): proto.IMessage {
    return { audioMessage: { ...mediaFields('audio/mpeg', 2_880_000), seconds, ptt: false } };
  },

  document(opts: { fileName?: string; caption?: string } = {}): proto.IMessage {
    const doc: proto.Message.IDocumentMessage = {
      ...mediaFields('application/pdf', 88_406),
      fileName: opts.fileName ?? 'document.pdf',
      title: opts.fileName ?? 'document.pdf',
      pageCount: 3,
    };
    // A document with a caption comes wrapped, as phones send it.
    if (opts.caption !== undefined) {
      return { documentWithCaptionMessage: { message: { documentMessage: { ...doc, caption: opts.caption } } } };
    }
    return { documentMessage: doc };
  },

  sticker(opts: { animated?: boolean } = {}): proto.IMessage {
    return { stickerMessage: { ...mediaFields('image/webp', 21_764), height: 512, width: 512, isAnimated: opts.animated ?? false } };
  },

  location(opts: { latitude?: number; longitude?: number; name?: string } = {}): proto.IMessage {
    return {
      locationMessage: {
        degreesLatitude: opts.latitude ?? 52.3676,
        degreesLongitude: opts.longitude ?? 4.9041,
        name: opts.name,
      },
    };
  },

  /** A contact card (vCard). */
  contactCard(opts: { displayName: string; phone: string }): proto.IMessage {
    const vcard = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${opts.displayName}`, `TEL;type=CELL;waid=${opts.phone}:+${opts.phone}`, 'END:VCARD'].join('\n');
    return { contactMessage: { displayName: opts.displayName, vcard } };
  },

  /** A poll, as Baileys creates one: `pollCreationMessageV3` for single choice, with a message secret. */
  poll(opts: { name: string; options: string[]; selectableCount?: number }): proto.IMessage {
    const poll = { name: opts.name, options: opts.options.map((optionName) => ({ optionName })), selectableOptionsCount: opts.selectableCount ?? 1 };
    const single = (opts.selectableCount ?? 1) === 1;
    return {
      messageContextInfo: { messageSecret: randomBytes(32) },
      ...(single ? { pollCreationMessageV3: poll } : { pollCreationMessage: poll }),
    };
  },

  reaction(target: TargetKey, emoji: string): proto.IMessage {
    return { reactionMessage: { key: key(target), text: emoji, senderTimestampMs: Date.now() } };
  },

  /** An edit of one's own earlier message (protocolMessage MESSAGE_EDIT). */
  edit(target: TargetKey, newText: string): proto.IMessage {
    return {
      protocolMessage: {
        key: key(target),
        type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
        editedMessage: { conversation: newText },
        timestampMs: Date.now(),
      },
    };
  },

  /** "Delete for everyone" of one's own earlier message (protocolMessage REVOKE). */
  revoke(target: TargetKey): proto.IMessage {
    return { protocolMessage: { key: key(target), type: proto.Message.ProtocolMessage.Type.REVOKE } };
  },
};

/** The content inside the wrappers (ephemeral, view once, document with caption, ...), as Baileys sees it. */
function inner(message: proto.IMessage): proto.IMessage {
  return normalizeMessageContent(message) ?? message;
}

/** Baileys' `getMediaType`: the `mediatype` attribute of `<enc>`, or '' for no media. */
export function mediaTypeOf(message: proto.IMessage): string {
  const m = inner(message);
  if (m.imageMessage) return 'image';
  if (m.videoMessage) return m.videoMessage.gifPlayback ? 'gif' : 'video';
  if (m.audioMessage) return m.audioMessage.ptt ? 'ptt' : 'audio';
  if (m.contactMessage) return 'vcard';
  if (m.documentMessage) return 'document';
  if (m.contactsArrayMessage) return 'contact_array';
  if (m.liveLocationMessage) return 'livelocation';
  if (m.stickerMessage) return 'sticker';
  return '';
}

/** Baileys' `getMessageType`: the stanza's `type` attribute. */
export function stanzaTypeOf(message: proto.IMessage): 'text' | 'media' | 'reaction' | 'poll' | 'event' {
  const m = inner(message);
  if (m.reactionMessage || m.encReactionMessage) return 'reaction';
  if (m.pollCreationMessage || m.pollCreationMessageV2 || m.pollCreationMessageV3 || m.pollUpdateMessage) return 'poll';
  if (m.eventMessage) return 'event';
  return mediaTypeOf(m) ? 'media' : 'text';
}

/** Stanza attributes that depend on the kind: `edit` for edits (1) and deletions (7). */
export function kindAttrs(message: proto.IMessage): { edit?: string } {
  const p = inner(message).protocolMessage;
  if (p?.type === proto.Message.ProtocolMessage.Type.REVOKE) return { edit: '7' };
  if (p?.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) return { edit: '1' };
  return {};
}

/** `<enc>` attributes that depend on the kind: `mediatype`, and `decrypt-fail="hide"` for reactions. */
export function encKindAttrs(message: proto.IMessage): Record<string, string> {
  const attrs: Record<string, string> = {};
  const media = mediaTypeOf(message);
  if (media) attrs.mediatype = media;
  if (inner(message).reactionMessage) attrs['decrypt-fail'] = 'hide';
  return attrs;
}
