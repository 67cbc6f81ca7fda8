/**
 * Messages this computer could not read. When Baileys cannot decrypt a message it asks the
 * sender to send it again (a retry receipt) and upserts a placeholder (stub `CIPHERTEXT`) with
 * the message's id; usually the copy sent again decrypts and arrives with the same id. Sometimes
 * none does (the sender's session with this device is broken, every copy is damaged): the
 * message then exists only on the person's phone, and without a record it would simply vanish.
 *
 * The watch waits, per message, `waitMs` after its latest placeholder; if no readable copy came
 * by then, it hands the placeholder on (`onUnreadable`), which records it in the activity log in
 * plain words. Such a message is never answered: nobody knows what it says.
 */
import type { ReceivedMessage } from './types.js';

export interface UnreadableWatchOptions {
  /** How long after its latest placeholder a message counts as unreadable (default 2 min). */
  waitMs?: number;
  onUnreadable(received: ReceivedMessage): void;
  /** Timers (tests: fake timers work too). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const DEFAULT_UNREADABLE_WAIT_MS = 2 * 60_000;

export class UnreadableWatch {
  private readonly waiting = new Map<string, { handle: unknown; received: ReceivedMessage }>();
  private readonly waitMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly o: UnreadableWatchOptions) {
    this.waitMs = o.waitMs ?? DEFAULT_UNREADABLE_WAIT_MS;
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.clearTimer = o.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** A placeholder came in: (re)start its wait. */
  placeholder(received: ReceivedMessage): void {
    const key = received.keys[0];
    if (!key) return;
    this.cancel(received.keys);
    const handle = this.setTimer(() => {
      this.waiting.delete(key);
      this.o.onUnreadable(received);
    }, this.waitMs);
    this.waiting.set(key, { handle, received });
  }

  /** A readable copy came in: its message is not unreadable. */
  readable(keys: readonly string[]): void {
    this.cancel(keys);
  }

  /** Messages waiting now. */
  get size(): number {
    return this.waiting.size;
  }

  stop(): void {
    for (const { handle } of this.waiting.values()) this.clearTimer(handle);
    this.waiting.clear();
  }

  private cancel(keys: readonly string[]): void {
    for (const k of keys) {
      const w = this.waiting.get(k);
      if (!w) continue;
      this.clearTimer(w.handle);
      this.waiting.delete(k);
    }
  }
}
