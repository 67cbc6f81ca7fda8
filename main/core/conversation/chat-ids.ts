/**
 * Opaque chat ids for the window: a chat crosses the contract as a short id derived from its
 * conversation key with a secret salt kept in the data folder, so a view or an export never
 * carries a number or JID, and the id cannot be turned back into one by guessing numbers. The
 * core maps an id back to its chat from the ids it has handed out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../storage/atomic-file.js';

const SALT_BYTES = 32;

export class ChatIds {
  private readonly ids = new Map<string, string>();
  private readonly keys = new Map<string, string>();

  private constructor(private readonly salt: Buffer) {}

  /** Load the salt from `file`, or create it (mode 0600). */
  static async open(file: string): Promise<ChatIds> {
    try {
      const hex = (await fs.readFile(file, 'utf8')).trim();
      if (/^[0-9a-f]{64}$/.test(hex)) return new ChatIds(Buffer.from(hex, 'hex'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const salt = randomBytes(SALT_BYTES);
    await writeFileAtomic(file, salt.toString('hex'));
    return new ChatIds(salt);
  }

  /** For tests: ids from a fixed salt. */
  static withSalt(salt: Buffer): ChatIds {
    return new ChatIds(salt);
  }

  /** The id of a chat (stable for this data folder). */
  idOf(chatKey: string): string {
    let id = this.ids.get(chatKey);
    if (!id) {
      id = createHash('sha256').update(this.salt).update(chatKey).digest('base64url').slice(0, 22);
      this.ids.set(chatKey, id);
      this.keys.set(id, chatKey);
    }
    return id;
  }

  /**
   * The chat of an id: one handed out before, else one of `candidates` (chat keys the stores
   * know, looked at only when the id is not known yet, e.g. after a restart).
   */
  keyOf(chatId: string, candidates: () => Iterable<string> = () => []): string | undefined {
    const known = this.keys.get(chatId);
    if (known) return known;
    for (const key of candidates()) if (this.idOf(key) === chatId) return key;
    return undefined;
  }
}
