/** Chat memory: the recent turns of each chat, for AI replies that know the conversation. */
export {
  CHAT_MEMORY_FILE,
  ChatMemory,
  DEFAULT_MAX_CHATS,
  DEFAULT_MAX_TURNS_PER_CHAT,
  GROUP_CHAT_CONTACT,
  MAX_TURN_CHARS,
  type ChatContact,
  type ChatMemoryOptions,
  type StoredTurn,
} from './chat-memory.js';
