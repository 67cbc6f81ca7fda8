/**
 * The connection controller: owns the Baileys socket lifecycle and carries out the connection
 * policy (docs/connection-policy.md; the table is `CLOSE_POLICY` in the contract).
 *
 * It owns: exactly one live socket at a time (each with a generation id; events from a replaced
 * socket are ignored), the named connection state, the backoff schedule, the silent-link
 * watchdog, the session folder lock, and the hand-off of Baileys' events to the rest of the core
 * through the `Link` interface. It does not own the outbox or the auto-reply rules.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import makeWASocket, {
  Browsers,
  jidNormalizedUser,
  type BinaryNode,
  type SignalKeyStore,
  type UserFacingSocketConfig,
  type WAMessageKey,
  type WASocket,
  type proto,
} from '@whiskeysockets/baileys';
import { Backoff, type BackoffOptions } from './backoff.js';
import { BAD_SESSION_RELINK_AFTER, classifyClose, CloseEdges } from './close-policy.js';
import { CLOSE_POLICY, describeState, type AccountIdentity, type CloseCause, type ConnectionState } from '../../contract/api.js';
import { deferred, type Deferred } from '../util/deferred.js';
import type { Link, LinkEventMap, LiveSocket, Unsubscribe } from './link.js';
import { acquireSessionLock, type SessionLock } from './session-lock.js';
import { DeviceListCache } from './device-cache.js';
import { InboundLedger } from './inbound-ledger.js';
import { collectStorages } from './socket-storages.js';
import { keysWhileOpen, type KeysGate } from './keys-while-open.js';
import { TcTokenNotes } from './tc-token-issued.js';
import { sameAccount } from './account.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { getLogger, type Logger } from '../logging/logger.js';
import type { ReconnectHistory, RecoveredBy } from '../history/reconnect-history.js';
import { SessionStore, SessionStoreError } from '../session/session-store.js';
import { installSessionTrials } from '../session/session-trials.js';
import type { KeyWrapper } from '../storage/cipher.js';

export interface ControllerOptions {
  /** The session folder (creds, keys, lock). */
  sessionDir: string;
  /** Protects the session keys at rest (Electron safeStorage in the app). */
  keyWrapper?: KeyWrapper;
  /** Where transitions are recorded; optional so unit tests can leave it out. */
  history?: Pick<ReconnectHistory, 'add'>;
  /** Passed to Baileys as is (tests: waWebSocketUrl, keepAliveIntervalMs, qrTimeout, …). */
  socketConfig?: Partial<UserFacingSocketConfig>;
  backoff?: BackoffOptions;
  /**
   * The link counts as silent when no frame arrived for this long (default 2 × keep-alive
   * interval); the socket is then replaced.
   */
  silentAfterMs?: number;
  /** Baileys' message store hook for retry requests (the outbox can answer it). */
  getMessage?: (key: WAMessageKey) => Promise<proto.IMessage | undefined>;
  /** Level for Baileys' own log lines (default 'warn'). */
  baileysLogLevel?: string;
  /** Clock for backoff, history and the watchdog (tests inject a manual one). */
  now?: () => number;
  /** How long the shared device-list cache keeps an entry (default: Baileys' 5 minutes). */
  deviceListTtlMs?: number;
  /**
   * The session folder's lock when the caller took it already (the core takes it before it
   * opens any other file in the data folder); otherwise `create()` takes it.
   */
  lock?: SessionLock;
  /** Scheduler for the backoff wait only; Baileys keeps real timers (tests inject a manual one). */
  scheduler?: Scheduler;
  /**
   * The ready barrier: a connection with a linked session (a login, which may bring messages at
   * once) waits until this settles, so whoever handles those messages listens by then. Pairing
   * (QR) connections do not wait: nothing arrives on them but the pairing itself.
   */
  loginAfter?: Promise<unknown>;
}

/** Where the backoff wait is scheduled. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

type Trigger = RecoveredBy;

interface SocketSlot {
  id: number;
  sock: WASocket;
  /** Set once we decided this socket is finished: its later events are ignored. */
  retired: boolean;
  /** Closed with the socket: from then on it reads no Signal keys (see keysWhileOpen). */
  keysGate: KeysGate;
  lastInboundAt: number;
  watchdog?: ReturnType<typeof setInterval>;
  /** Messages Baileys decrypted on this socket and did not hand over yet (see inbound-ledger.ts). */
  ledger: InboundLedger;
  /** The AsyncLocalStorages Baileys made for this socket, disabled once it is gone (socket-storages.ts). */
  storages: AsyncLocalStorage<unknown>[];
}

export class ConnectionController implements Link {
  private readonly events = new TypedEmitter<LinkEventMap>();
  /** Shared by every socket, so a reconnect does not re-fetch device lists and sessions. */
  private readonly deviceCache: DeviceListCache;
  /** Per key store (tc-token-issued.ts); weak, so a wiped session's notes go with its key store. */
  private readonly tcNotes = new WeakMap<SignalKeyStore, TcTokenNotes>();
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly edges: CloseEdges;
  private readonly now: () => number;
  private _state: ConnectionState = { kind: 'idle' };
  private slot: SocketSlot | undefined;
  /** Storages of retired sockets, disabled when the next socket opens (`releaseRetiredStorages`). */
  private retiredStorages: AsyncLocalStorage<unknown>[] = [];
  private nextSocketId = 1;
  private ready: Deferred<LiveSocket> = deferred();
  private readyPromises = 1;
  private retryTimer: unknown;
  private readonly scheduler: Scheduler;
  /** Bad-session closes since the link was last healthy (open for `healthyAfterMs`). */
  private badSessionStreak = 0;
  private openedAt: number | undefined;
  private outageStartedAt: number | undefined;
  private outageAttempts = 0;
  private pendingTrigger: Trigger = 'startup';
  private qrIndex = 0;
  private closed = false;
  private inboundRecovered = 0;
  private lastAccount: AccountIdentity | undefined;
  /** Unset once `loginAfter` settled. */
  private loginGate: Promise<unknown> | undefined;
  /** Counts `connect()` calls: one that waited at the login gate goes on only if no later call came. */
  private connectCalls = 0;

  private constructor(
    private readonly options: ControllerOptions,
    private store: SessionStore | undefined,
    private readonly lock: SessionLock,
    private storeError: SessionStoreError | undefined,
  ) {
    this.log = getLogger('connection');
    this.now = options.now ?? Date.now;
    this.backoff = new Backoff({ now: this.now, ...options.backoff });
    this.edges = new CloseEdges(this.now);
    this.scheduler = options.scheduler ?? realScheduler;
    this.deviceCache = new DeviceListCache(Date.now, options.deviceListTtlMs);
    this.lastAccount = store ? accountFromCreds(store.state.creds) : undefined;
    if (options.loginAfter) {
      const gate = options.loginAfter.then(
        () => undefined,
        () => undefined,
      );
      this.loginGate = gate;
      void gate.then(() => {
        if (this.loginGate === gate) this.loginGate = undefined;
      });
    }
  }

  /**
   * Lock the session folder and open the session store. A second controller (or process) on
   * the same folder gets `SessionLockedError`. A damaged store does not throw: the controller
   * starts in `needs-relink` and `relink()` pairs afresh.
   */
  static async create(options: ControllerOptions): Promise<ConnectionController> {
    // Before any socket decrypts: a failed session try must not change the session (session-trials.ts).
    installSessionTrials();
    const lock = options.lock ?? (await acquireSessionLock(options.sessionDir));
    try {
      const store = await SessionStore.open(options.sessionDir, { keyWrapper: options.keyWrapper });
      return new ConnectionController(options, store, lock, undefined);
    } catch (err) {
      if (err instanceof SessionStoreError) {
        return new ConnectionController(options, undefined, lock, err);
      }
      await lock.release();
      throw err;
    }
  }

  // ---- Link ---------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this._state;
  }

  currentSocket(): LiveSocket | undefined {
    const slot = this.slot;
    if (!slot || slot.retired || this._state.kind !== 'open') return undefined;
    return { id: slot.id, sock: slot.sock };
  }

  whenReady(): Promise<LiveSocket> {
    return this.ready.promise;
  }

  /** How many distinct "ready" promises have been handed out: one per outage. */
  get readyPromiseCount(): number {
    return this.readyPromises;
  }

  account(): AccountIdentity | undefined {
    return this.lastAccount;
  }

  on<E extends keyof LinkEventMap>(event: E, listener: (payload: LinkEventMap[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Inbound messages Baileys decrypted but did not emit, handed over by the inbound ledger (diagnostics). */
  get recoveredInbound(): number {
    return this.inboundRecovered;
  }

  /** The session store (for the app's encryption notice and diagnostics). */
  get session(): SessionStore | undefined {
    return this.store;
  }

  // ---- Commands -----------------------------------------------------------------------------

  /** Start connecting (with the stored session, or a fresh pairing). */
  start(): void {
    if (this.closed) return;
    if (this.storeError) {
      this.setState({ kind: 'needs-relink', reason: this.storeError.userMessage });
      return;
    }
    if (this._state.kind === 'idle' || this._state.kind === 'stopped') {
      void this.connect(this._state.kind === 'idle' ? 'startup' : 'user');
    }
  }

  /**
   * Cut a backoff wait short (system resume, network back, the person clicked). On an open link
   * after a resume or network change, probe it and replace it if it does not answer.
   */
  reconnectNow(trigger: 'resume' | 'network' | 'user' = 'user'): void {
    if (this.closed) return;
    switch (this._state.kind) {
      case 'reconnecting':
        this.clearRetryTimer();
        void this.connect(trigger);
        return;
      case 'open':
        if (trigger !== 'user') void this.probe(trigger);
        return;
      default:
        // Connecting already, or waiting for the person (conflict, QR, relink): nothing to cut short.
        return;
    }
  }

  /** After a 440: take the session back on this computer, with one reconnect. */
  useHere(): void {
    if (this._state.kind !== 'conflict') return;
    void this.connect('user');
  }

  /** Forget the session and pair again with a new QR (queued replies are kept by the outbox). */
  async relink(): Promise<void> {
    if (this.closed) return;
    this.retire('user');
    this.clearRetryTimer();
    await this.wipeSession();
    this.backoff.reset();
    this.badSessionStreak = 0;
    this.edges.reset();
    await this.connect('relink');
  }

  /** After the QR expired: start pairing again. */
  requestQr(): void {
    if (this._state.kind !== 'qr-expired') return;
    this.edges.reset();
    void this.connect('user');
  }

  /** Pause: close the socket and stay stopped until `start()`. */
  stop(): void {
    this.retire('user');
    this.clearRetryTimer();
    this.setState({ kind: 'stopped' });
  }

  /** Stop for good: flush the store and release the folder lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    this.closed = true;
    await this.store?.close();
    await this.lock.release();
    this.releaseRetiredStorages();
  }

  /**
   * Disable the AsyncLocalStorages of the sockets retired so far (socket-storages.ts). Done when
   * the next socket opens (or the controller closes), not at retirement: by then the retired
   * socket's last key-store transactions have ended (it may read no keys once retired), and one
   * that still ran would only write its keys at once instead of at its commit.
   */
  private releaseRetiredStorages(): void {
    for (const storage of this.retiredStorages) storage.disable();
    this.retiredStorages = [];
  }

  // ---- Socket lifecycle ---------------------------------------------------------------------

  private async connect(trigger: Trigger): Promise<void> {
    const call = ++this.connectCalls;
    this.retire('user');
    if (this.closed) return;
    if (this.loginGate && this.store?.hasSession()) {
      // A login: wait at the ready barrier (`loginAfter`). Stopped, closed or connected again meanwhile: done.
      this.setState({ kind: 'connecting', attempt: this.backoff.attempt });
      await this.loginGate;
      if (this.closed || call !== this.connectCalls || this._state.kind !== 'connecting') return;
    }
    if (!this.store) {
      // The store was damaged at start: open a fresh one now that the person asked to relink.
      try {
        this.store = await SessionStore.open(this.options.sessionDir, { keyWrapper: this.options.keyWrapper });
        this.storeError = undefined;
      } catch (err) {
        const reason = err instanceof SessionStoreError ? err.userMessage : 'The session could not be opened.';
        this.setState({ kind: 'needs-relink', reason });
        return;
      }
    }
    this.pendingTrigger = trigger;
    this.outageAttempts++;
    this.outageStartedAt ??= this.now();
    const id = this.nextSocketId++;
    this.setState({ kind: 'connecting', attempt: this.backoff.attempt });
    const store = this.store;
    const keysGate = { open: true };
    const notes = this.tcTokenNotes(store);
    // Baileys makes an AsyncLocalStorage per socket that would stay enabled for good: collected here.
    const { value: sock, storages } = collectStorages(() =>
      makeWASocket({
        browser: Browsers.appropriate('Desktop'),
        markOnlineOnConnect: false,
        syncFullHistory: false,
        getMessage: this.options.getMessage,
        userDevicesCache: this.deviceCache,
        ...this.options.socketConfig,
        // The inbound ledger sees decryptions through this cache (Baileys' default; kept on).
        enableRecentMessageCache: true,
        auth: { creds: store.state.creds, keys: keysWhileOpen(store.state.keys, keysGate, (data) => notes.observeWrite(data)) },
        logger: this.baileysLogger(),
      }),
    );
    const slot: SocketSlot = { id, sock, retired: false, keysGate, lastInboundAt: this.now(), ledger: this.ledgerFor(id, sock, store), storages };
    this.slot = slot;
    this.qrIndex = 0;
    this.attach(slot, store);
  }

  private attach(slot: SocketSlot, store: SessionStore): void {
    const { sock } = slot;
    const live = () => !slot.retired && this.slot === slot;
    this.rememberTokenIssues(sock, store);

    sock.ev.on('creds.update', () => {
      // Baileys has already merged the update into creds; persist even for a retiring socket.
      void store.saveCreds().catch((err: unknown) => this.log.error({ err }, 'saving creds failed'));
    });
    sock.ev.on('connection.update', (update) => {
      if (!live()) return;
      if (update.qr) {
        this.qrIndex++;
        this.setState({ kind: 'awaiting-qr', qr: update.qr, qrIndex: this.qrIndex });
      }
      if (update.connection === 'open') this.onOpen(slot);
      if (update.connection === 'close') this.onClose(slot, update.lastDisconnect?.error);
      if (update.receivedPendingNotifications === true) this.events.emit('offline-delivered', { socketId: slot.id });
    });
    sock.ev.on('messages.upsert', (upsert) => {
      if (!live()) return;
      this.events.emit('messages', { socketId: slot.id, upsert });
      slot.ledger.emitted(upsert);
    });
    sock.ev.on('messages.update', (updates) => {
      if (live()) this.events.emit('messages-update', { socketId: slot.id, updates });
    });
    sock.ev.on('message-receipt.update', (updates) => {
      if (live()) this.events.emit('message-receipts', { socketId: slot.id, updates });
    });
    sock.ev.on('call', (calls) => {
      if (live()) this.events.emit('calls', { socketId: slot.id, calls });
    });
    sock.ws.on('CB:ack,class:message', (node: BinaryNode) => {
      if (!live()) return;
      const error = node.attrs.error ? Number(node.attrs.error) : undefined;
      this.events.emit('message-ack', { socketId: slot.id, id: node.attrs.id!, remoteJid: node.attrs.from, error });
    });
    sock.ws.on('message', () => {
      slot.lastInboundAt = this.now();
    });
    this.startWatchdog(slot);
  }

  /** Records what arrives on `sock` and hands over what Baileys decrypted but dropped (inbound-ledger.ts). */
  private ledgerFor(socketId: number, sock: WASocket, store: SessionStore): InboundLedger {
    return InboundLedger.attach(sock, {
      me: () => {
        const me = store.state.creds.me;
        return me?.id ? { id: me.id, lid: me.lid ?? undefined } : undefined;
      },
      deliver: (upsert) => {
        this.inboundRecovered += upsert.messages.length;
        this.log.info({ socketId, count: upsert.messages.length }, 'handing over an inbound message Baileys decrypted but did not emit');
        this.events.emit('messages', { socketId, upsert });
      },
      onError: (err) => this.log.error({ err }, 'the inbound ledger could not hand a message over'),
    });
  }

  /**
   * After each send, note in the key store that Baileys issued our privacy token to the contact:
   * its own note is lost, and without one it issues the token again with every reply
   * (tc-token-issued.ts). The store itself, not the socket's transactional view of it.
   */
  private rememberTokenIssues(sock: WASocket, store: SessionStore): void {
    // Stand-in sockets (chaos tests) have no sendMessage: nothing to remember there.
    if (typeof sock.sendMessage !== 'function') return;
    const notes = this.tcTokenNotes(store);
    const send = sock.sendMessage.bind(sock);
    const lidForPn = (pn: string) => sock.signalRepository.lidMapping.getLIDForPN(pn);
    const afterSend = (jid: string) => {
      // Wall-clock seconds, as Baileys compares them (not the injected clock).
      const nowSeconds = Math.floor(Date.now() / 1000);
      // Known for this bucket (every reply but a contact's first of the week): no promise at all.
      if (notes.known(jid, nowSeconds)) return;
      notes.afterSend(jid, lidForPn, nowSeconds).catch((err: unknown) =>
        this.log.debug({ err: (err as Error).message }, 'noting the privacy token issue failed'),
      );
    };
    // Not an async wrapper: the caller gets Baileys' own promise (each extra promise pays the
    // async hooks Baileys' AsyncLocalStorage installs, on every reply).
    sock.sendMessage = (jid, content, options) => {
      const sent = send(jid, content, options);
      sent.then(
        () => afterSend(jid),
        () => undefined, // the caller sees the failure; nothing was sent, nothing to note
      );
      return sent;
    };
  }

  /** The token notes of the store's current key store (a wipe gives it a new one, with nothing noted). */
  private tcTokenNotes(store: SessionStore): TcTokenNotes {
    const keys = store.state.keys;
    let notes = this.tcNotes.get(keys);
    if (!notes) {
      notes = new TcTokenNotes(keys);
      this.tcNotes.set(keys, notes);
    }
    return notes;
  }

  private onOpen(slot: SocketSlot): void {
    this.releaseRetiredStorages();
    const store = this.store!;
    const account = accountFromCreds(store.state.creds);
    if (!account) {
      this.log.error('socket opened without an account in creds');
      return;
    }
    const previous = this.lastAccount;
    this.lastAccount = account;
    if (previous && !sameAccount(previous, account)) {
      this.events.emit('account-changed', { previous, current: account });
    } else if (!previous) {
      this.events.emit('account-changed', { previous: undefined, current: account });
    }
    this.openedAt = this.now();
    this.backoff.markOpen();
    this.edges.opened();
    const outageMs = this.outageStartedAt !== undefined ? this.now() - this.outageStartedAt : undefined;
    const attempts = this.outageAttempts;
    this.outageStartedAt = undefined;
    this.outageAttempts = 0;
    this.setState({ kind: 'open', since: this.now(), account }, {
      meaning: 'Connected',
      outageMs,
      attempt: attempts,
      recoveredBy: this.pendingTrigger,
    });
    const liveSocket: LiveSocket = { id: slot.id, sock: slot.sock };
    this.ready.resolve(liveSocket);
    this.events.emit('open', { socketId: slot.id, account });
  }

  private onClose(slot: SocketSlot, error: unknown): void {
    const pairing = this._state.kind === 'awaiting-qr';
    this.retireSlot(slot);
    const classified = classifyClose(error, { pairing });
    const { code } = classified;
    const cause = this.edges.escalate(classified.cause, { pairing });
    this.log.info({ cause, code }, 'connection closed');
    this.events.emit('closed', { socketId: slot.id, cause, code });
    this.startOutage();
    this.apply(cause, code);
  }

  /** Carry out the policy row for a close. */
  private apply(cause: CloseCause, code: number | undefined): void {
    const row = CLOSE_POLICY[cause];
    const meaning = row.meaning;
    switch (row.action) {
      case 'reconnect-now':
        this.record({ state: 'connecting', cause, code, meaning });
        void this.connect('restart');
        return;
      case 'backoff': {
        // A 500 right after opening, again and again, means the session itself is unusable.
        const wasHealthy = this.openedAt !== undefined && this.now() - this.openedAt >= this.backoff.healthyAfterMs;
        this.openedAt = undefined;
        if (wasHealthy) this.badSessionStreak = 0;
        if (cause === 'bad-session' && ++this.badSessionStreak >= BAD_SESSION_RELINK_AFTER) {
          this.setState({ kind: 'needs-relink', reason: meaning }, { cause, code, meaning });
          return;
        }
        const delayMs = this.backoff.nextDelay();
        const attempt = this.backoff.attempt;
        this.setState(
          { kind: 'reconnecting', attempt, delayMs, nextAttemptAt: this.now() + delayMs, cause },
          { cause, code, meaning, attempt, delayMs },
        );
        this.retryTimer = this.scheduler.setTimeout(() => {
          this.retryTimer = undefined;
          void this.connect('backoff');
        }, delayMs);
        return;
      }
      case 'stop-conflict':
        this.setState({ kind: 'conflict' }, { cause, code, meaning });
        return;
      case 'wipe-and-pair':
        this.setState({ kind: 'logged-out' }, { cause, code, meaning });
        void this.wipeSession().then(() => this.connect('relink'));
        return;
      case 'stop-forbidden':
        this.setState({ kind: 'forbidden' }, { cause, code, meaning });
        return;
      case 'needs-relink':
        this.setState({ kind: 'needs-relink', reason: meaning }, { cause, code, meaning });
        return;
      case 'qr-expired':
        this.setState({ kind: 'qr-expired' }, { cause, code, meaning });
        return;
      case 'none':
        return;
    }
  }

  /** Retire the live socket (if any) on our own initiative; its events are ignored from now on. */
  private retire(cause: CloseCause): void {
    const slot = this.slot;
    if (!slot || slot.retired) return;
    this.retireSlot(slot);
    this.events.emit('closed', { socketId: slot.id, cause });
    this.startOutage();
    try {
      // Its close event is ignored (retired); we already decided what comes next.
      slot.sock.end(undefined);
    } catch {
      // already closed
    }
  }

  private retireSlot(slot: SocketSlot): void {
    if (!slot.retired) {
      // Baileys holds events back in a buffer (the offline phase after each login, and around
      // each stanza): messages it has already decrypted AND receipted, so the server will not
      // send them again. When the socket ends, Baileys destroys that buffer. Flush it while the
      // socket still counts as live, so those messages reach the core.
      try {
        slot.sock.ev.flush();
      } catch (err) {
        this.log.warn({ err }, 'flushing the socket events failed');
      }
      // Whatever it decrypted and never emitted (its receipt could not go out) is handed over now.
      slot.ledger.socketEnded();
    }
    if (!slot.retired) this.retiredStorages.push(...slot.storages);
    slot.retired = true;
    slot.keysGate.open = false;
    if (slot.watchdog) clearInterval(slot.watchdog);
    if (this.slot === slot) this.slot = undefined;
  }

  /** A new outage begins: new waiters share a fresh "ready" promise. */
  private startOutage(): void {
    if (this.ready.settled) {
      this.ready = deferred();
      this.readyPromises++;
    }
    this.outageStartedAt ??= this.now();
  }

  private startWatchdog(slot: SocketSlot): void {
    const keepAlive = this.options.socketConfig?.keepAliveIntervalMs ?? 30_000;
    const silentAfter = this.options.silentAfterMs ?? 2 * keepAlive;
    const every = Math.max(250, Math.min(keepAlive, silentAfter) / 2);
    slot.watchdog = setInterval(() => {
      if (slot.retired || this.slot !== slot) return;
      if (this.now() - slot.lastInboundAt < silentAfter) return;
      this.log.warn({ silentMs: this.now() - slot.lastInboundAt }, 'link is silent; replacing the socket');
      this.replaceSilent(slot);
    }, every);
    slot.watchdog.unref?.();
  }

  private replaceSilent(slot: SocketSlot): void {
    this.retireSlot(slot);
    this.events.emit('closed', { socketId: slot.id, cause: 'silent-link' });
    this.startOutage();
    try {
      // Its close event is ignored (retired); we already decided what comes next.
      slot.sock.end(undefined);
    } catch {
      // already closed
    }
    this.apply('silent-link', undefined);
  }

  /** After a resume or a network change: ping the open link and replace it if it is dead. */
  private async probe(trigger: 'resume' | 'network'): Promise<void> {
    const slot = this.slot;
    if (!slot || slot.retired) return;
    const ok = await Promise.race([
      slot.sock
        .query({
          tag: 'iq',
          attrs: { to: '@s.whatsapp.net', type: 'get', xmlns: 'w:p', id: slot.sock.generateMessageTag() },
          content: [{ tag: 'ping', attrs: {} }],
        })
        .then(() => true)
        .catch(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref?.()),
    ]);
    if (ok || slot.retired || this.slot !== slot) return;
    this.log.info({ trigger }, 'link did not answer after resume/network change; reconnecting');
    this.retireSlot(slot);
    this.events.emit('closed', { socketId: slot.id, cause: 'silent-link' });
    this.startOutage();
    try {
      // Its close event is ignored (retired); we already decided what comes next.
      slot.sock.end(undefined);
    } catch {
      // already closed
    }
    this.record({ state: 'connecting', cause: 'silent-link', meaning: CLOSE_POLICY['silent-link'].meaning });
    await this.connect(trigger);
  }

  private async wipeSession(): Promise<void> {
    const previous = this.lastAccount;
    try {
      await this.store?.wipe();
    } catch (err) {
      this.log.error({ err }, 'wiping the session failed');
    }
    this.lastAccount = undefined;
    this.deviceCache.flushAll();
    if (previous) this.events.emit('account-changed', { previous, current: undefined });
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== undefined) this.scheduler.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  // ---- State and history --------------------------------------------------------------------

  private setState(
    next: ConnectionState,
    entry?: Partial<Omit<Parameters<ReconnectHistory['add']>[0], 'state' | 'at'>>,
  ): void {
    const prev = this._state;
    this._state = next;
    // QR rotations and connecting-attempts are frequent; record the transitions that matter.
    const worthRecording =
      entry !== undefined || (prev.kind !== next.kind && next.kind !== 'awaiting-qr' && next.kind !== 'connecting');
    if (worthRecording) this.record({ state: next.kind, meaning: describeState(next, this.now()), ...entry });
    this.events.emit('state', next);
  }

  private record(entry: Omit<Parameters<ReconnectHistory['add']>[0], 'at'>): void {
    const history = this.options.history;
    if (!history) return;
    void history
      .add({ at: this.now(), ...entry })
      .catch((err: unknown) => this.log.error({ err }, 'recording history failed'));
  }

  private baileysLogger(): Logger {
    const child = getLogger('baileys');
    child.level = this.options.baileysLogLevel ?? process.env.REPLYLINE_BAILEYS_LOG_LEVEL ?? 'warn';
    return child;
  }
}

function accountFromCreds(creds: SessionStore['state']['creds']): AccountIdentity | undefined {
  const me = creds.me;
  if (!me?.id) return undefined;
  return {
    phoneJid: jidNormalizedUser(me.id),
    lid: me.lid ? jidNormalizedUser(me.lid) : undefined,
    name: me.name ?? undefined,
  };
}
