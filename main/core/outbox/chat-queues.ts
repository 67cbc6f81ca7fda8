/**
 * Per-chat order: unfinished replies per chat, oldest first. Only a chat's head may be sent;
 * the next one waits until the head is acknowledged or finished.
 */

export class ChatQueues<T extends { chatJid: string }> {
  private readonly queues = new Map<string, T[]>();
  private count = 0;

  /** Unfinished entries across all chats. */
  get size(): number {
    return this.count;
  }

  push(entry: T): void {
    let queue = this.queues.get(entry.chatJid);
    if (!queue) this.queues.set(entry.chatJid, (queue = []));
    queue.push(entry);
    this.count++;
  }

  remove(entry: T): void {
    const queue = this.queues.get(entry.chatJid);
    const i = queue ? queue.indexOf(entry) : -1;
    if (!queue || i < 0) return;
    queue.splice(i, 1);
    this.count--;
    if (queue.length === 0) this.queues.delete(entry.chatJid);
  }

  /** The live queue of one chat, or undefined when it has no unfinished entries. */
  queue(chatJid: string): T[] | undefined {
    return this.queues.get(chatJid);
  }

  /** The live queue of each chat with unfinished entries (removing from it during the walk is safe). */
  chats(): IterableIterator<T[]> {
    return this.queues.values();
  }
}
