/**
 * The durable outbox: every reply Replyline decides to send goes through here, and leaves only
 * as "sent" (the server acknowledged it) or with a plain reason why not.
 *
 * It owns: the reply entries and their log (written before the first attempt), the message id
 * chosen at enqueue time and reused on every attempt, per-chat order, the not-before times,
 * time-to-live, the account check after a relink, and the server ack per message id.
 *
 * How it waits, by design:
 * - Nothing captures a socket. Each attempt resolves `link.currentSocket()` at send time.
 * - While the link is down, the outbox holds at most ONE `link.whenReady()` wait, whatever the
 *   number of waiting replies; no reply has a timer or a poll of its own.
 * - One scan (`pump`) looks at the head of each chat's queue, sends what may go, and arms ONE
 *   timer (`WakeTimer`) for the earliest moment something needs another look: a delayed
 *   reply's not-before time, an ack deadline, or the earliest time-to-live of a waiting reply
 *   (so a reply expires when its time is up, even in the middle of an outage). Everything else
 *   re-runs the scan (coalesced to one scan per microtask): `kickChat()` when one chat's queue
 *   or head changed (a reply queued, written, acknowledged, refused, cancelled), and the scan
 *   looks at those chats only, so a reply costs the same however many chats are waiting;
 *   `kick()` when something changed for every chat (the link opened or closed, the account,
 *   the login's backlog is in), and at start-up and when the timer fires: those walk them all.
 *   A scan of some chats never moves the timer later (another chat may need it); a wake that
 *   turns out early just walks every chat and arms the timer exactly.
 *
 * Cancelling (the person answered the chat themselves, read it, muted it) never races a send:
 * `cancel()` takes only a reply that cannot have been handed to a socket — queued and never
 * attempted. After a crash that includes "not due yet when this run began": the run that crashed
 * may have written a due reply just before, its `sending` mark still on the way to disk. (A clean
 * close writes a last `closed` record, after which the log holds every attempt.) Anything else
 * may have arrived, so it is completed with its id instead. The state change is synchronous, so
 * the next scan never sees a cancelled reply. A cancelled reply was therefore never sent, and a
 * reply that may have been sent is never reported as cancelled.
 */
import { assertNever } from '../../contract/api.js';
import type { Link, LiveSocket, Unsubscribe } from '../connection/link.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ByteCipher } from '../storage/cipher.js';
import { getLogger } from '../logging/logger.js';
import path from 'node:path';
import type { CommitLog } from '../storage/commit-log.js';
import { openStoreLog } from '../storage/open-store-log.js';
import type { StoreLog, Transaction } from '../storage/store-log.js';
import { AccountMatcher } from '../connection/account.js';
import { ChatQueues } from './chat-queues.js';
import { isReplyableJid, normalizeJid } from '../connection/jid.js';
import { isValidMessageId, newMessageId } from './message-id.js';
import { parseOutboxRecord, putRecord, replay, setRecord, type OutboxRecord, type StoredEntry } from './outbox-records.js';
import { WakeTimer } from './wake-timer.js';
import {
  accountChangedError,
  cancelledError,
  classifyAckError,
  classifySendError,
  disconnectedError,
  emptyTextError,
  expiredError,
  gaveUpError,
  invalidAddressError,
  noAckError,
  type DeliveryError,
} from './errors.js';
import {
  confirmationRank,
  isConfirmed,
  isFinished,
  replyContent,
  type DeliveryState,
  type NewReply,
  type OutboxEntry,
  type OutboxEvents,
} from './types.js';

export interface OutboxOptions {
  /** Folder holding `outbox.log` (without a commit log). */
  dir: string;
  /** Keep the records in this shared log's `outbox` lane instead. */
  commitLog?: CommitLog;
  link: Link;
  /** Encrypts the log at rest (reply text is personal). */
  cipher?: ByteCipher;
  now?: () => number;
  /** How long after the write the server's ack may take before the outcome counts as uncertain. */
  ackTimeoutMs?: number;
  /** How long `sendMessage` may take to write the stanza (device list and key fetches included). */
  writeTimeoutMs?: number;
  /** Counted attempts before a reply fails. Disconnects are not counted. */
  maxAttempts?: number;
  /** Time-to-live of a reply that does not say; null = never expires. */
  defaultTtlMs?: number | null;
  /** First spacing after a retryable send error; doubles per attempt, capped at one minute. */
  retryDelayMs?: number;
  /** Finished entries kept (in memory and the log); older ones leave (the reply log keeps the history). */
  keepFinished?: number;
  /** Never compact below this many records (without a commit log, which has its own policy). */
  compactAfterRecords?: number;
  /**
   * While a login's offline backlog is still coming in, replies that wait for the owner
   * (`waitsForOwner`) are held; `onDone` wakes the outbox when it is in.
   */
  ownerBacklog?: { pending(): boolean; onDone(listener: () => void): Unsubscribe };
}

export type OutboxErrorKind = 'closed' | 'no-account' | 'invalid-id';

/** A reply that could not be queued at all (nothing was written). */
export class OutboxError extends Error {
  constructor(
    readonly kind: OutboxErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboxError';
  }
}

export type CancelResult =
  | { ok: true; entry: OutboxEntry }
  | { ok: false; error: { kind: 'not-found' | 'finished' | 'in-flight' | 'maybe-sent'; message: string } };

export interface OutboxDiagnostics {
  /** Entries not finished. */
  pending: number;
  /** Entries written on a socket and waiting for the server's ack. */
  sending: number;
  /** Shared `whenReady()` waits held (0 or 1, whatever the number of replies). */
  waiterCount: number;
  /** When the one timer fires next (ms since epoch), or null. */
  wakeAt: number | null;
  /** Records in the log file. */
  logRecords: number;
}

/** An attempt in flight. Late callbacks of an older attempt are told apart by identity. */
interface Attempt {
  socketId: number;
  startedAt: number;
  writtenAt?: number;
}

const DEFAULTS = {
  ackTimeoutMs: 15_000,
  writeTimeoutMs: 60_000,
  maxAttempts: 5,
  defaultTtlMs: 60 * 60_000,
  retryDelayMs: 2_000,
  keepFinished: 200,
  compactAfterRecords: 1_000,
};
const MAX_RETRY_DELAY_MS = 60_000;

/** Baileys' `WebMessageInfo.Status`: SERVER_ACK 2, DELIVERY_ACK 3, READ 4, PLAYED 5. */
function confirmationOf(status: unknown): DeliveryState | undefined {
  if (typeof status !== 'number') return undefined;
  if (status >= 4) return 'read';
  if (status === 3) return 'delivered';
  if (status === 2) return 'sent';
  return undefined;
}

export class Outbox {
  private readonly log = getLogger('outbox');
  private readonly events = new TypedEmitter<OutboxEvents>();
  /** Every entry in memory, in enqueue order. */
  private readonly entries = new Map<string, StoredEntry>();
  /** Unfinished entries per chat, oldest first; the head is the only one that may be sent. */
  private readonly chats = new ChatQueues<StoredEntry>();
  private readonly inFlight = new Map<string, Attempt>();
  private readonly enqueuing = new Map<string, Promise<OutboxEntry>>();
  /** Entries whose `put` is written but not durable yet: not sendable, but part of a compaction snapshot. */
  private readonly staged = new Map<string, StoredEntry>();
  /** Sockets a send found dead before the controller said so; skipped until their `closed`. */
  private readonly deadSockets = new Set<number>();
  /** Entries an attempt was made for since start (an expiry then says it may have arrived). */
  private readonly everAttempted = new Set<string>();
  /** Queued entries that were due when this run began: the run before may have written one. */
  private readonly dueBeforeOpen = new Set<string>();
  private readonly typingShown = new Set<string>();
  private readonly unsubscribe: Unsubscribe[] = [];
  private readonly timer: WakeTimer;
  /**
   * No waiting reply expires before this (a lower bound: it may point at a reply that has since
   * gone out, which costs one extra scan). The scan sweeps every queue only once it has passed.
   */
  private nextExpiry = Infinity;
  private readyWait: Promise<LiveSocket> | undefined;
  private lastReady: Promise<LiveSocket> | undefined;
  private kickQueued = false;
  /** The next scan walks every chat (something changed for all of them). */
  private scanAll = true;
  /** Chats whose queue or head changed since the last scan (ignored while `scanAll`). */
  private readonly dirty = new Set<string>();
  /**
   * What every head's check depends on besides its own chat, as the last scan saw it: when the
   * socket, its usability or the account differs, the scan walks every chat whatever kicked it.
   */
  private scannedSocket: number | undefined;
  private scannedUsable = false;
  private accountMatcher: AccountMatcher | undefined;
  /** Set by `scanChat`: a waiting reply needs the link, which is down. */
  private needLink = false;
  private closed = false;
  private readonly now: () => number;
  private readonly ownerBacklog: OutboxOptions['ownerBacklog'];
  private readonly opts: Omit<typeof DEFAULTS, 'defaultTtlMs'> & { defaultTtlMs: number | null };

  private constructor(
    private readonly link: Link,
    private readonly journal: StoreLog<OutboxRecord>,
    options: OutboxOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.ownerBacklog = options.ownerBacklog;
    this.opts = {
      ackTimeoutMs: options.ackTimeoutMs ?? DEFAULTS.ackTimeoutMs,
      writeTimeoutMs: options.writeTimeoutMs ?? DEFAULTS.writeTimeoutMs,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      defaultTtlMs: options.defaultTtlMs === undefined ? DEFAULTS.defaultTtlMs : options.defaultTtlMs,
      retryDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
      keepFinished: options.keepFinished ?? DEFAULTS.keepFinished,
      compactAfterRecords: options.compactAfterRecords ?? DEFAULTS.compactAfterRecords,
    };
    this.timer = new WakeTimer(() => {
      this.scanAll = true;
      this.pump();
    }, this.now);
  }

  /** Open the outbox in `dir`, replay its log and resume whatever a crash or quit left pending. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const { log, records, recovery } = await openStoreLog<OutboxRecord>(
      { file: Outbox.file(options.dir), lane: 'outbox', commitLog: options.commitLog },
      {
        parse: parseOutboxRecord,
        cipher: options.cipher,
        policy: { minRecords: options.compactAfterRecords ?? DEFAULTS.compactAfterRecords, ratio: 4 },
      },
    );
    const outbox = new Outbox(options.link, log, options);
    outbox.resume(replay(records), records.at(-1)?.t === 'closed');
    if (recovery && (recovery.truncatedBytes > 0 || recovery.quarantinedTo)) {
      outbox.log.warn({ truncatedBytes: recovery.truncatedBytes, quarantined: !!recovery.quarantinedTo }, 'outbox log recovered');
    }
    outbox.trimFinished();
    log.compactWith({
      // Entries whose put is still in flight belong in the snapshot: the rewrite replaces the file they are written to.
      // And a clean close's last record stays last (it may be what starts a compaction).
      snapshot: () => [
        ...[...outbox.entries.values(), ...outbox.staged.values()].map(putRecord),
        ...(outbox.closed ? [{ t: 'closed' as const, at: outbox.now() }] : []),
      ],
      liveRecords: () => outbox.entries.size + outbox.staged.size,
    });
    outbox.subscribe();
    outbox.kick();
    return outbox;
  }

  /** Where the outbox keeps its records without a commit log. */
  static file(dir: string): string {
    return path.join(dir, 'outbox.log');
  }

  private resume(stored: Map<string, StoredEntry>, closedCleanly: boolean): void {
    let resumed = 0;
    for (const e of stored.values()) {
      if (e.state === 'sending') {
        // Written (maybe) before the crash, never acknowledged: send again with the same id.
        // The interrupted attempt is not the reply's fault, so it is not counted.
        e.state = 'queued';
        e.attempts = Math.max(0, e.attempts - 1);
        this.everAttempted.add(e.id);
      } else if (e.attempts > 0 || e.lastError?.kind === 'disconnected') {
        this.everAttempted.add(e.id);
      } else if (!closedCleanly && e.state === 'queued' && e.notBefore <= this.now()) {
        this.dueBeforeOpen.add(e.id);
      }
      this.entries.set(e.id, e);
      if (!isFinished(e.state)) {
        this.chats.push(e);
        this.noteExpiry(e);
        resumed++;
      }
    }
    if (resumed > 0) this.log.info({ resumed }, 'resuming pending replies');
  }

  private subscribe(): void {
    const link = this.link;
    this.unsubscribe.push(
      link.on('message-ack', (a) => this.onAck(a.id, a.error)),
      link.on('closed', (c) => this.onSocketClosed(c.socketId)),
      link.on('open', () => this.kick()),
      ...(this.ownerBacklog ? [this.ownerBacklog.onDone(() => this.kick())] : []),
      link.on('account-changed', () => this.kick()),
      link.on('messages-update', ({ updates }) => {
        for (const u of updates) {
          const level = u.key.fromMe && u.key.id ? confirmationOf(u.update.status) : undefined;
          if (level && u.key.id) this.onConfirmed(u.key.id, level);
        }
      }),
      // Baileys merges an ack or receipt that comes within ~100 ms of the send into its own
      // `append` upsert instead of emitting an update.
      link.on('messages', ({ upsert }) => {
        for (const m of upsert.messages) {
          const level = m.key.fromMe && m.key.id ? confirmationOf(m.status) : undefined;
          if (level && m.key.id) this.onConfirmed(m.key.id, level);
        }
      }),
    );
  }

  // ---- Public API ---------------------------------------------------------------------------

  on<E extends keyof OutboxEvents>(event: E, listener: (payload: OutboxEvents[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /**
   * Queue a reply. Resolves once the entry is durably written, before any attempt; only then
   * may it be sent. Enqueueing an id that is already known returns the known entry. With `tx`,
   * the entry is written with whatever else the transaction holds, when it commits.
   */
  enqueue(reply: NewReply, tx?: Transaction): Promise<OutboxEntry> {
    if (this.closed) return Promise.reject(new OutboxError('closed', 'The outbox is closed'));
    const id = reply.id ?? newMessageId();
    if (!isValidMessageId(id)) return Promise.reject(new OutboxError('invalid-id', 'The message id is not valid'));
    const known = this.entries.get(id);
    if (known) return Promise.resolve(snapshot(known));
    const pending = this.enqueuing.get(id);
    if (pending) return pending;
    const account = reply.account ?? this.link.account();
    if (!account) {
      return Promise.reject(new OutboxError('no-account', 'No WhatsApp account is linked, so the reply cannot be queued'));
    }

    const now = this.now();
    const chatJid = normalizeJid(reply.chatJid.trim());
    const ttl = reply.ttlMs === undefined ? this.opts.defaultTtlMs : reply.ttlMs;
    const invalid = !isReplyableJid(chatJid) ? invalidAddressError : reply.text.trim() === '' ? emptyTextError : undefined;
    const entry: StoredEntry = {
      id,
      chatJid,
      text: reply.text,
      account: { ...account },
      createdAt: now,
      notBefore: reply.notBefore ?? now,
      expiresAt: ttl === null ? null : now + ttl,
      typing: reply.typing ?? false,
      ...(reply.typingFrom !== undefined ? { typingFrom: reply.typingFrom } : {}),
      ...(reply.waitsForOwner ? { waitsForOwner: true } : {}),
      ref: reply.ref,
      state: invalid ? 'failed' : 'queued',
      attempts: 0,
      lastError: invalid,
      updatedAt: now,
    };
    this.staged.set(id, entry);
    const done = this.journal.append([putRecord(entry)], tx).then(
      () => {
        // Durable: from here on the reply exists, even if the app dies this instant.
        this.staged.delete(id);
        this.entries.set(id, entry);
        if (invalid) {
          this.log.warn({ id, error: invalid.kind }, 'reply not queued');
        } else {
          this.chats.push(entry);
          this.noteExpiry(entry);
        }
        const view = this.emit(entry, undefined);
        if (invalid) this.trimFinished();
        else this.kickChat(chatJid);
        return view;
      },
      (err: unknown) => {
        this.staged.delete(id);
        throw err;
      },
    );
    this.enqueuing.set(id, done);
    const forget = () => this.enqueuing.delete(id);
    done.then(forget, forget);
    return done;
  }

  /**
   * Cancel a reply that was never handed to WhatsApp, with `reason` for the reply log. A reply
   * still being written to the log is cancelled once it is written. Refused for a reply on its
   * way (`in-flight`) or one an earlier attempt may have delivered (`maybe-sent`): those go out
   * with their id, so the contact gets them at most once and the log never says "cancelled" for
   * a reply that arrived.
   */
  async cancel(id: string, reason: DeliveryError = cancelledError): Promise<CancelResult> {
    const pending = this.enqueuing.get(id);
    if (pending) await pending.catch(() => undefined);
    const e = this.entries.get(id);
    if (!e) return { ok: false, error: { kind: 'not-found', message: 'No such reply in the outbox' } };
    switch (e.state) {
      case 'queued': {
        if (this.everAttempted.has(id) || this.dueBeforeOpen.has(id)) {
          return {
            ok: false,
            error: { kind: 'maybe-sent', message: 'An earlier attempt may have reached WhatsApp; the reply is completed with the same id' },
          };
        }
        const written = this.transition(e, 'cancelled', { error: reason });
        this.kickChat(e.chatJid);
        await written;
        return { ok: true, entry: snapshot(e) };
      }
      case 'sending':
        return {
          ok: false,
          error: { kind: 'in-flight', message: 'The reply is already with WhatsApp and cannot be called back' },
        };
      case 'sent':
      case 'delivered':
      case 'read':
      case 'failed':
      case 'expired':
      case 'cancelled':
        return { ok: false, error: { kind: 'finished', message: `The reply is already ${e.state}` } };
      default:
        return assertNever(e.state);
    }
  }

  /** Whether the outbox holds this reply (no copy made: asked for every own message that comes back). */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): OutboxEntry | undefined {
    const e = this.entries.get(id);
    return e ? snapshot(e) : undefined;
  }

  /** Every entry the outbox still holds, in enqueue order. */
  list(): OutboxEntry[] {
    return [...this.entries.values()].map(snapshot);
  }

  /** The message content of a reply, for Baileys' `getMessage` (a contact's retry request). */
  messageFor(id: string): { extendedTextMessage: { text: string } } | undefined {
    const e = this.entries.get(id);
    return e ? replyContent(e.text) : undefined;
  }

  /** Open: `enqueue` does not refuse with `closed`. */
  get accepting(): boolean {
    return !this.closed;
  }

  /** Shared `whenReady()` waits held: 0 or 1, however many replies wait for the link. */
  get waiterCount(): number {
    return this.readyWait ? 1 : 0;
  }

  diagnostics(): OutboxDiagnostics {
    return {
      pending: this.chats.size,
      sending: this.inFlight.size,
      waiterCount: this.waiterCount,
      wakeAt: this.timer.wakeAt === Infinity ? null : this.timer.wakeAt,
      logRecords: this.journal.recordCount,
    };
  }

  /** Wait until every change made so far is on disk. */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  /** Stop sending, write out what is pending in memory and close the log. Pending replies resume on the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer.disarm();
    for (const u of this.unsubscribe.splice(0)) u();
    await Promise.allSettled([...this.enqueuing.values()]);
    // Nothing is written on a socket from here on: the log now shows every attempt there was.
    await this.journal.append([{ t: 'closed', at: this.now() }]).catch(() => undefined);
    await this.journal.close();
  }

  // ---- The scan -----------------------------------------------------------------------------

  /** Ask for a scan of every chat; any number of kicks in one tick make one scan. */
  private kick(): void {
    this.scanAll = true;
    this.queueScan();
  }

  /** Ask for a scan of one chat, whose queue or head changed. */
  private kickChat(chatJid: string): void {
    if (!this.scanAll) this.dirty.add(chatJid);
    this.queueScan();
  }

  private queueScan(): void {
    if (this.kickQueued || this.closed) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    const live = this.link.currentSocket();
    const usable = live && !this.deadSockets.has(live.id) ? live : undefined;
    const account = this.link.account();
    let all = this.scanAll || live?.id !== this.scannedSocket || !!usable !== this.scannedUsable;
    if (!account) {
      all ||= this.accountMatcher !== undefined;
      this.accountMatcher = undefined;
    } else if (!this.accountMatcher?.isFor(account)) {
      this.accountMatcher = new AccountMatcher(account);
      all = true;
    }
    this.scannedSocket = live?.id;
    this.scannedUsable = !!usable;
    if (this.chats.size === 0) this.nextExpiry = Infinity;
    else if (now >= this.nextExpiry) {
      // Expiring may finish a reply in any chat (and give it a new head).
      this.expireDue(now);
      all = true;
    }

    let wakeAt = Infinity;
    this.needLink = false;
    if (all) {
      this.scanAll = false;
      this.dirty.clear();
      for (const queue of this.chats.chats()) wakeAt = Math.min(wakeAt, this.scanChat(queue, now, live, usable));
    } else {
      // Deleting as we go: a chat kicked again during the scan (a change listener) is visited again.
      for (const chatJid of this.dirty) {
        this.dirty.delete(chatJid);
        const queue = this.chats.queue(chatJid);
        if (queue) wakeAt = Math.min(wakeAt, this.scanChat(queue, now, live, usable));
      }
    }

    // Unless every chat was looked at (or none is left), the timer may stay earlier for the
    // others: a wake that comes too early walks every chat and arms it exactly.
    const exact = all || this.chats.size === 0;
    this.timer.armAt(Math.min(wakeAt, this.nextExpiry, exact ? Infinity : this.timer.wakeAt));
    if (this.needLink) this.waitForLink();
  }

  /** Act on one chat's head (and the heads after it that finish now); returns when the chat needs another look. */
  private scanChat(queue: StoredEntry[], now: number, live: LiveSocket | undefined, usable: LiveSocket | undefined): number {
    const matcher = this.accountMatcher;
    while (queue.length > 0) {
      const e = queue[0]!;
      if (e.state === 'sending') {
        const attempt = this.inFlight.get(e.id);
        const deadline = attempt ? this.deadlineOf(attempt) : now;
        if (now >= deadline) {
          this.onAckTimeout(e);
          continue;
        }
        return deadline;
      }
      // queued
      if (e.expiresAt !== null && now >= e.expiresAt) {
        this.transition(e, 'expired', {
          error: expiredError(e.expiresAt - e.createdAt, this.everAttempted.has(e.id)),
        });
        continue;
      }
      if (matcher && e.account && !matcher.matches(e.account)) {
        this.transition(e, 'cancelled', { error: accountChangedError });
        continue;
      }
      if (!live) {
        this.needLink = true;
        return Infinity;
      }
      if (!usable || !matcher) return Infinity; // a dead socket or no account yet: the next `closed`/`open` kicks
      if (e.notBefore > now) {
        // A reply that first waits for the owner (grace period) shows "typing…" only after it.
        const typingFrom = e.typingFrom ?? 0;
        if (e.typing && now >= typingFrom) this.showTyping(usable, e);
        else if (e.typing) return Math.min(typingFrom, e.notBefore);
        return e.notBefore;
      }
      // Due, but the owner's answer may still be in this login's backlog: wait for it.
      if (e.waitsForOwner && this.ownerBacklog?.pending()) return Infinity;
      return this.deadlineOf(this.attempt(e, usable, now));
    }
    return Infinity;
  }

  private noteExpiry(e: StoredEntry): void {
    if (e.expiresAt !== null && e.expiresAt < this.nextExpiry) this.nextExpiry = e.expiresAt;
  }

  /**
   * Expire every waiting reply whose time-to-live has passed, wherever it stands in its chat's
   * queue, and find the next deadline. Replies in flight are left to their ack.
   */
  private expireDue(now: number): void {
    const due: StoredEntry[] = [];
    let next = Infinity;
    for (const queue of this.chats.chats()) {
      for (const e of queue) {
        if (e.state !== 'queued' || e.expiresAt === null) continue;
        if (now >= e.expiresAt) due.push(e);
        else if (e.expiresAt < next) next = e.expiresAt;
      }
    }
    this.nextExpiry = next;
    for (const e of due) {
      this.transition(e, 'expired', { error: expiredError(e.expiresAt! - e.createdAt, this.everAttempted.has(e.id)) });
    }
  }

  /** Hold the one shared wait for the link. */
  private waitForLink(): void {
    if (this.readyWait) return;
    const wait = this.link.whenReady();
    // Already resolved and still no socket: the next `open` event kicks instead (no busy loop).
    if (wait === this.lastReady) return;
    this.readyWait = wait;
    void wait.then(() => {
      this.lastReady = wait;
      if (this.readyWait === wait) this.readyWait = undefined;
      this.kick();
    });
  }

  private deadlineOf(a: Attempt): number {
    return a.writtenAt === undefined ? a.startedAt + this.opts.writeTimeoutMs : a.writtenAt + this.opts.ackTimeoutMs;
  }

  // ---- Attempts and their outcomes -----------------------------------------------------------

  private attempt(e: StoredEntry, live: LiveSocket, now: number): Attempt {
    const attempt: Attempt = { socketId: live.id, startedAt: now };
    this.inFlight.set(e.id, attempt);
    this.everAttempted.add(e.id);
    this.transition(e, 'sending', { attempts: e.attempts + 1 });
    this.log.debug({ id: e.id, socketId: live.id, attempt: e.attempts }, 'sending reply');
    let sent: Promise<unknown>;
    try {
      sent = live.sock.sendMessage(e.chatJid, { text: e.text }, { messageId: e.id });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      () => {
        if (this.inFlight.get(e.id) !== attempt) return;
        attempt.writtenAt = this.now();
        this.kickChat(e.chatJid); // the deadline moved from "written by" to "acked by"
      },
      (err: unknown) => {
        if (this.closed || this.inFlight.get(e.id) !== attempt) return;
        this.onSendError(e, attempt, err);
      },
    );
    return attempt;
  }

  private onSendError(e: StoredEntry, attempt: Attempt, err: unknown): void {
    const current = this.link.currentSocket();
    const socketGone = !current || current.id !== attempt.socketId;
    const { outcome, error } = classifySendError(err, socketGone);
    this.log.warn({ id: e.id, outcome, error: error.kind, code: error.code }, 'reply attempt failed');
    switch (outcome) {
      case 'disconnect':
        if (!socketGone) this.deadSockets.add(attempt.socketId);
        this.requeue(e, error, { refund: true });
        break;
      case 'transient':
        this.retryOrGiveUp(e, error, this.retryDelay(e.attempts));
        break;
      case 'permanent':
        this.transition(e, 'failed', { error });
        break;
      default:
        assertNever(outcome);
    }
    // A socket found dead holds every chat; any other outcome changed this chat only.
    if (outcome === 'disconnect') this.kick();
    else this.kickChat(e.chatJid);
  }

  private onAckTimeout(e: StoredEntry): void {
    const error = noAckError(this.opts.ackTimeoutMs);
    this.log.info({ id: e.id, attempt: e.attempts }, 'no ack in time; retrying with the same id');
    this.retryOrGiveUp(e, error, 0);
  }

  private onAck(id: string, errorCode: number | undefined): void {
    if (errorCode === undefined) {
      this.onConfirmed(id, 'sent');
      return;
    }
    const e = this.entries.get(id);
    // Only the attempt in flight can fail; an error ack for a finished or requeued reply changes nothing.
    if (!e || e.state !== 'sending') return;
    const { outcome, error } = classifyAckError(errorCode);
    this.log.warn({ id, code: errorCode, outcome }, 'server refused the reply');
    if (outcome === 'permanent') this.transition(e, 'failed', { error });
    else this.retryOrGiveUp(e, error, this.retryDelay(e.attempts));
    this.kickChat(e.chatJid);
  }

  /** The server acknowledged the reply (or a receipt showed it arrived): the truth wins, even over a failure. */
  private onConfirmed(id: string, level: DeliveryState): void {
    const e = this.entries.get(id);
    if (!e || confirmationRank(level) <= confirmationRank(e.state)) return;
    const firstConfirmation = !isConfirmed(e.state);
    if (firstConfirmation && e.state !== 'sending' && e.state !== 'queued') {
      this.log.info({ id, was: e.state }, 'a reply given up on was confirmed by the server after all');
    }
    this.transition(e, level, { sentAt: e.sentAt ?? this.now() });
    if (firstConfirmation) this.kickChat(e.chatJid);
  }

  private onSocketClosed(socketId: number): void {
    this.deadSockets.delete(socketId);
    for (const [id, attempt] of [...this.inFlight]) {
      if (attempt.socketId !== socketId) continue;
      const e = this.entries.get(id);
      if (e?.state === 'sending') this.requeue(e, disconnectedError, { refund: true });
    }
    this.kick();
  }

  private retryOrGiveUp(e: StoredEntry, error: DeliveryError, delayMs: number): void {
    if (e.attempts >= this.opts.maxAttempts) {
      this.transition(e, 'failed', { error: gaveUpError(e.attempts, error) });
    } else {
      this.requeue(e, error, { refund: false, notBefore: delayMs > 0 ? this.now() + delayMs : undefined });
    }
  }

  private requeue(e: StoredEntry, error: DeliveryError, how: { refund: boolean; notBefore?: number }): void {
    this.transition(e, 'queued', {
      error,
      attempts: how.refund ? Math.max(0, e.attempts - 1) : e.attempts,
      notBefore: how.notBefore,
    });
  }

  private retryDelay(attempts: number): number {
    return Math.min(this.opts.retryDelayMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
  }

  private showTyping(live: LiveSocket, e: StoredEntry): void {
    if (this.typingShown.has(e.id)) return;
    this.typingShown.add(e.id);
    try {
      void live.sock.sendPresenceUpdate('composing', e.chatJid).catch(() => undefined);
    } catch {
      // best effort: typing never holds a reply back
    }
  }

  // ---- State changes, persistence, compaction ------------------------------------------------

  private transition(
    e: StoredEntry,
    state: DeliveryState,
    patch: { error?: DeliveryError; attempts?: number; notBefore?: number; sentAt?: number },
  ): Promise<void> {
    const previous = e.state;
    e.state = state;
    e.updatedAt = this.now();
    if (patch.error) e.lastError = patch.error;
    if (patch.attempts !== undefined) e.attempts = patch.attempts;
    if (patch.notBefore !== undefined) e.notBefore = patch.notBefore;
    if (patch.sentAt !== undefined) e.sentAt = patch.sentAt;
    if (state !== 'sending') this.inFlight.delete(e.id);
    // Back to waiting (a retry, a drop): its deadline counts again.
    if (state === 'queued') this.noteExpiry(e);
    if (isFinished(state)) {
      this.chats.remove(e);
      this.typingShown.delete(e.id);
      if (state === 'failed' || state === 'expired' || state === 'cancelled') {
        this.log.info({ id: e.id, state, reason: e.lastError?.kind }, 'reply finished without being sent');
      }
    }
    const written = this.persist(setRecord(e));
    this.emit(e, previous);
    if (isFinished(state) && !isFinished(previous)) this.trimFinished();
    return written;
  }

  private persist(record: OutboxRecord): Promise<void> {
    return this.journal.append([record]).catch((err: unknown) => {
      if (!this.closed) this.log.error({ err }, 'writing the outbox log failed');
    });
  }

  /** Tell listeners; returns the copy they were given. */
  private emit(e: StoredEntry, previous: DeliveryState | undefined): OutboxEntry {
    const entry = snapshot(e);
    this.events.emit('change', { entry, previous });
    return entry;
  }

  /**
   * Keep pending entries and the newest `keepFinished` finished ones: older finished entries
   * leave memory now and the log at its next compaction (the reply log keeps the history).
   */
  private trimFinished(): void {
    let drop = this.entries.size - this.chats.size - this.opts.keepFinished;
    if (drop <= 0) return;
    for (const e of this.entries.values()) {
      if (drop <= 0) break;
      if (isFinished(e.state)) {
        this.entries.delete(e.id);
        this.everAttempted.delete(e.id);
        this.dueBeforeOpen.delete(e.id);
        drop--;
      }
    }
  }
}

function snapshot(e: StoredEntry): OutboxEntry {
  const copy: StoredEntry = { ...e };
  if (e.account) copy.account = { ...e.account };
  if (e.lastError) copy.lastError = { ...e.lastError };
  return copy;
}
