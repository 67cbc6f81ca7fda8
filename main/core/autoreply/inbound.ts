import type { InboundKind } from '../../contract/conversation.js';

/**
 * The inbound message as the auto-reply engine sees it: already decoded from Baileys by the
 * connection layer, with text extracted (caption for media, '' when there is none).
 */
export interface InboundMessage {
  /** WhatsApp message id. */
  id: string;
  /** Where to reply (1:1: the contact's JID; group: the group's JID). */
  chatJid: string;
  /** Who wrote it (same as chatJid for 1:1). */
  senderJid: string;
  /** Digits, when known. */
  senderPhone?: string;
  /** Push name. */
  senderName?: string;
  text: string;
  /** Ms since epoch (message time). */
  timestamp: number;
  fromMe: boolean;
  isGroup: boolean;
  mentionsMe: boolean;
  kind: 'chat' | 'group' | 'status' | 'broadcast' | 'newsletter';
  /** What the message is (text, photo, voice message, missed call, reaction …); default 'text'. */
  messageKind?: InboundKind;
}
