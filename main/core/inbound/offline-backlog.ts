/**
 * Has this login's offline backlog been handed over yet? A reply with a grace period ("reply only
 * if I don't") whose time ran out while Replyline was closed must not go out at the next login
 * before the messages that waited for it: one of them may be the owner's answer, which cancels
 * the reply. The outbox holds such replies while the backlog is pending.
 *
 * Pending from each socket's `open` until the server has delivered what waited (Baileys'
 * `receivedPendingNotifications`, which may come just before `open`) and then, counted from both,
 * no offline message (`append` upsert) has come for a short quiet time: Baileys reports the
 * delivery when the stanzas are in, and emits them after that, decrypting them one by one. A login that never says so is taken as done after
 * `BACKLOG_MAX_WAIT_MS`, so nothing is held for good.
 */
import type { Link, Unsubscribe } from '../connection/link.js';
import { TypedEmitter } from '../util/typed-emitter.js';

/** How long no offline message must come after the login and the server's "that was all". */
export const BACKLOG_QUIET_MS = 500;
/** The longest a login's backlog is waited for. */
export const BACKLOG_MAX_WAIT_MS = 15_000;

interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class OfflineBacklog {
  private readonly events = new TypedEmitter<{ done: null }>();
  private socketId: number | undefined;
  /** The socket whose backlog the server has delivered (it may say so before `open`). */
  private deliveredOn: number | undefined;
  private delivered = false;
  private done = true;
  /** The latest of: the login opened, the server said it was all, an offline message came. */
  private lastNewsAt = 0;
  private timer: unknown;
  private giveUp: unknown;
  private readonly offs: Unsubscribe[];

  constructor(
    link: Pick<Link, 'on'>,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = realTimers,
    private readonly quietMs = BACKLOG_QUIET_MS,
  ) {
    this.offs = [
      link.on('open', ({ socketId }) => {
        this.socketId = socketId;
        this.delivered = false;
        this.done = false;
        this.lastNewsAt = this.now();
        this.clearTimer();
        this.giveUp = this.timers.setTimeout(() => {
          this.giveUp = undefined;
          if (this.socketId === socketId) this.finish();
        }, BACKLOG_MAX_WAIT_MS);
        if (this.deliveredOn === socketId) {
          this.delivered = true;
          this.check();
        }
      }),
      link.on('closed', ({ socketId }) => {
        if (socketId === this.socketId) this.clearTimer();
      }),
      link.on('offline-delivered', ({ socketId }) => {
        this.deliveredOn = socketId;
        if (socketId !== this.socketId || this.done) return;
        this.delivered = true;
        this.lastNewsAt = this.now();
        this.check();
      }),
      link.on('messages', ({ upsert }) => {
        if (upsert.type !== 'append') return;
        this.lastNewsAt = this.now();
        if (this.delivered && !this.done) this.check();
      }),
    ];
  }

  /** The backlog of the current login is still coming in. */
  pending(): boolean {
    return !this.done;
  }

  onDone(listener: () => void): Unsubscribe {
    return this.events.on('done', listener);
  }

  close(): void {
    this.clearTimer();
    for (const off of this.offs.splice(0)) off();
  }

  private check(): void {
    this.clearTimer();
    const wait = this.lastNewsAt + this.quietMs - this.now();
    if (wait > 0) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, wait);
      return;
    }
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.clearTimer();
    this.done = true;
    this.events.emit('done', null);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.giveUp !== undefined) this.timers.clearTimeout(this.giveUp);
    this.giveUp = undefined;
  }
}
