/**
 * The earlier turns of a chat that go with a message to an AI responder: the most recent ones,
 * oldest first, at most `maxTurns` of them and at most `maxChars` characters in all. The walk
 * goes back from the newest turn and stops at the first one that does not fit, so what is sent is
 * always an unbroken stretch that ends just before the message.
 */
import { maskPhone } from '../replylog/mask.js';

/** One earlier message in a chat: the contact's, a reply of ours, or one the owner wrote themselves. */
export interface ChatTurn {
  role: 'contact' | 'reply' | 'owner';
  text: string;
  /** Ms since epoch. */
  at: number;
  /** Who wrote it, in a group chat (a name, or a masked number): the model must know who is speaking. */
  from?: string;
}

/** How a group turn names who wrote it: their name, else their number masked (never in full). */
export function speakerOf(msg: { senderName?: string; senderPhone?: string; senderJid: string }): string {
  return msg.senderName || maskPhone(msg.senderPhone ? `${msg.senderPhone}@s.whatsapp.net` : msg.senderJid);
}

/** As the chat-completions API names them: the contact is the user; our replies and the owner's own messages are the assistant's side. */
export type ContextMessage = { role: 'user' | 'assistant'; content: string };

export function selectContext(turns: readonly ChatTurn[], maxTurns: number, maxChars: number): ContextMessage[] {
  const picked: ContextMessage[] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0 && picked.length < maxTurns; i--) {
    const turn = turns[i]!;
    const said = turn.text.trim();
    if (!said) continue;
    const text = turn.from ? `${turn.from}: ${said}` : said;
    if (chars + text.length > maxChars) break;
    chars += text.length;
    picked.push({ role: turn.role === 'contact' ? 'user' : 'assistant', content: text });
  }
  return picked.reverse();
}
