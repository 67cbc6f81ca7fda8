/**
 * The earlier turns of a chat that go with a message to an AI responder: the most recent ones,
 * oldest first, at most `maxTurns` of them and at most `maxChars` characters in all. The walk
 * goes back from the newest turn and stops at the first one that does not fit, so what is sent is
 * always an unbroken stretch that ends just before the message.
 */

/** One earlier message in a chat: the contact's, a reply of ours, or one the owner wrote themselves. */
export interface ChatTurn {
  role: 'contact' | 'reply' | 'owner';
  text: string;
  /** Ms since epoch. */
  at: number;
}

/** As the chat-completions API names them: the contact is the user; our replies and the owner's own messages are the assistant's side. */
export type ContextMessage = { role: 'user' | 'assistant'; content: string };

export function selectContext(turns: readonly ChatTurn[], maxTurns: number, maxChars: number): ContextMessage[] {
  const picked: ContextMessage[] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0 && picked.length < maxTurns; i--) {
    const turn = turns[i]!;
    const text = turn.text.trim();
    if (!text) continue;
    if (chars + text.length > maxChars) break;
    chars += text.length;
    picked.push({ role: turn.role === 'contact' ? 'user' : 'assistant', content: text });
  }
  return picked.reverse();
}
