/**
 * Fault controls: break the link the way the real server or network does, on the live connection
 * of one account or on every live connection. The expected Baileys close code for each is in
 * README.md (measured in fake-wa.test.ts).
 */
import { node, type BinaryNode } from './binary.js';
import type { AccountInfo } from './directory.js';

/** What faults need from a live connection. */
export interface FaultTarget {
  readonly id: number;
  /** Account phone number once known. */
  readonly accountPhone: string | undefined;
  /** Sends `final` (if given) then closes the WebSocket cleanly. */
  closeWith(reason: string, final?: BinaryNode): void;
  /** Destroys the TCP socket without a close handshake. */
  terminate(reason: string): void;
  /** Writes a stanza to the client. */
  send(n: BinaryNode): void;
}

export interface FaultHost {
  liveConnections(account?: AccountInfo): FaultTarget[];
}

export type ConflictType = 'replaced' | 'device_removed';

/** Names accepted by `atRandom` / `whenFrame`. */
export type FaultName = 'closeSocket' | 'terminateSocket' | 'conflict' | 'streamError515' | 'streamError503' | 'goSilent';

export interface RefuseOptions {
  /** Refuse every upgrade for this long. */
  forMs?: number;
  /** Refuse this many upgrades. */
  count?: number;
}

export interface DropOptions {
  /** Still deliver the message to the recipient before dropping (default true: only the ack is lost). */
  deliver?: boolean;
  /** 'terminate' (TCP reset, default) or 'close' (clean close). */
  how?: 'terminate' | 'close';
}

export interface RandomFaultOptions {
  /** Candidate faults; default closeSocket, terminateSocket, streamError503. */
  faults?: FaultName[];
  /** Fire after a delay uniformly drawn from [min, max] ms. */
  withinMs: [number, number];
  account?: AccountInfo;
  /** Injectable randomness (default Math.random). */
  random?: () => number;
}

export interface ScheduledFault {
  /** Resolves with the fault that ran (or undefined if cancelled). */
  readonly fired: Promise<FaultName | undefined>;
  cancel(): void;
}

/** A flag or value set globally or per account; per-account settings win. */
class Scoped<T> {
  private global: T;
  private readonly perAccount = new Map<string, T>();
  constructor(private readonly initial: T) {
    this.global = initial;
  }
  set(value: T, account?: AccountInfo): void {
    if (account) this.perAccount.set(account.phoneNumber, value);
    else {
      this.global = value;
      this.perAccount.clear();
    }
  }
  get(phone: string | undefined): T {
    return (phone !== undefined ? this.perAccount.get(phone) : undefined) ?? this.global;
  }
  reset(): void {
    this.global = this.initial;
    this.perAccount.clear();
  }
}

export class Faults {
  private readonly silent = new Scoped(false);
  private readonly withhold = new Scoped(false);
  private readonly ackDelay = new Scoped(0);
  private readonly drops = new Map<string, DropOptions>();
  private readonly deliveryDrops = new Map<string, 'terminate' | 'close'>();
  /** Damaged deliveries still to come, by account phone number or '*'. */
  private readonly corruptions = new Map<string, number>();
  private readonly copyCorruptions = new Map<string, { left: number; to?: string }>();
  private readonly retryHold = new Scoped(false);
  /** Retry receipts held by `holdRetryRequests`, in the order the parties asked. */
  private readonly heldRetries: { phone: string; request: BinaryNode }[] = [];
  private refuseUntil = 0;
  private refuseCount = 0;
  private conflictAlways = false;
  private readonly frameHooks: {
    pred: (f: BinaryNode, target: FaultTarget) => boolean;
    fault: FaultName;
    swallow: boolean;
  }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly host: FaultHost) {}

  /** Clean WebSocket close (Baileys: 428 Connection Terminated). */
  closeSocket(account?: AccountInfo): number {
    return this.each(account, (t) => t.closeWith('server-close'));
  }

  /** TCP reset, no close frame (Baileys: 428). */
  terminateSocket(account?: AccountInfo): number {
    return this.each(account, (t) => t.terminate('terminate'));
  }

  /** `<stream:error [code]><conflict type/></stream:error>` then close (440; 401 with code '401'). */
  conflict(type: ConflictType = 'replaced', opts: { code?: string | number; account?: AccountInfo } = {}): number {
    const stanza = node('stream:error', { code: opts.code }, [node('conflict', { type })]);
    return this.each(opts.account, (t) => t.closeWith(`conflict ${type}`, stanza));
  }

  /** Alias of `conflict` with the brief's name. */
  streamErrorConflict(type: ConflictType = 'replaced', opts: { code?: string | number; account?: AccountInfo } = {}): number {
    return this.conflict(type, opts);
  }

  /** `<failure reason/>` then close (Baileys: the reason as status code). */
  failure(reason: string | number = 401, account?: AccountInfo): number {
    return this.each(account, (t) => t.closeWith(`failure ${reason}`, node('failure', { reason })));
  }

  /** `<stream:error code/>` then close (515 restart, 503, 500, ...). */
  streamError(code: string | number = 515, account?: AccountInfo): number {
    return this.each(account, (t) => t.closeWith(`stream:error ${code}`, node('stream:error', { code })));
  }

  /** Stop sending anything (replies, pings, messages, handshakes) until turned off (Baileys: 408 after keep-alive). */
  goSilent(on = true, account?: AccountInfo): void {
    this.silent.set(on, account);
  }

  /** Receive client messages but never ack them. */
  withholdAcks(on = true, account?: AccountInfo): void {
    this.withhold.set(on, account);
  }

  /** Delay every message ack by `ms`. */
  delayAcks(ms: number, account?: AccountInfo): void {
    this.ackDelay.set(ms, account);
  }

  /** Reset WebSocket upgrades (TCP reset at the HTTP upgrade) for a time and/or a number of attempts. */
  refuseConnections(opts: RefuseOptions = { count: 1 }): void {
    this.refuseUntil = opts.forMs ? Date.now() + opts.forMs : 0;
    this.refuseCount = opts.count ?? 0;
  }

  /** Every new connection gets `<stream:error><conflict type="replaced"/>` right after the handshake. */
  conflictOnEveryConnection(on = true): void {
    this.conflictAlways = on;
  }

  /** Close the socket right after the next client `<message>` of `account` (or anyone), before acking it. */
  dropAfterNextMessage(account?: AccountInfo, opts: DropOptions = {}): void {
    this.drops.set(account?.phoneNumber ?? '*', { deliver: true, how: 'terminate', ...opts });
  }

  /**
   * The next `count` encrypted messages written to `account`'s clients (or anyone's) arrive with a
   * damaged ciphertext (the last byte flipped, so the MAC or signature check fails): the client
   * cannot decrypt them and asks the sender for a retry, the way a corrupted copy makes it ask.
   */
  corruptDeliveries(count = 1, account?: AccountInfo): void {
    this.corruptions.set(account?.phoneNumber ?? '*', count);
  }

  /**
   * Drop the socket right after the server next writes a message stanza to `account`'s client (or
   * anyone's): the client gets the message as its link dies, before it can send its receipt.
   * `close` (default: a close frame right behind the message) makes Baileys 7 decrypt the message,
   * fail to send its receipt and never emit it, every time (measured in offline-queue.test.ts);
   * `terminate` (TCP reset) usually lets the receipt out first.
   */
  dropAfterNextDelivery(account?: AccountInfo, opts: { how?: 'terminate' | 'close' } = {}): void {
    this.deliveryDrops.set(account?.phoneNumber ?? '*', opts.how ?? 'close');
  }

  /**
   * Fake parties' retry receipts (`corruptClientCopies`) wait until `releaseRetryRequests`, as
   * from a phone that was offline when the copy came: the server has acked the message long
   * before, and the client may be on another socket by then.
   */
  holdRetryRequests(on = true, account?: AccountInfo): void {
    this.retryHold.set(on, account);
  }

  /** Sends the held retry receipts to their account's connections open now; returns how many went out. */
  releaseRetryRequests(): number {
    const held = this.heldRetries.splice(0);
    const live = this.host.liveConnections();
    let sent = 0;
    for (const { phone, request } of held) {
      for (const t of live) {
        if (t.accountPhone !== phone) continue;
        t.send(request);
        sent++;
      }
    }
    return sent;
  }

  /** Runs one random fault at a random time within `withinMs`. */
  atRandom(opts: RandomFaultOptions): ScheduledFault {
    const random = opts.random ?? Math.random;
    const faults = opts.faults ?? ['closeSocket', 'terminateSocket', 'streamError503'];
    const [min, max] = opts.withinMs;
    const delay = min + random() * (max - min);
    const fault = faults[Math.floor(random() * faults.length)] ?? 'closeSocket';
    let resolve!: (f: FaultName | undefined) => void;
    const fired = new Promise<FaultName | undefined>((r) => (resolve = r));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(fault, opts.account);
      resolve(fault);
    }, delay);
    this.timers.add(timer);
    return {
      fired,
      cancel: () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(undefined);
      },
    };
  }

  /**
   * Runs `fault` on a connection when it next receives a client frame matching `pred` (one shot).
   * With `swallow`, the server ignores that frame as if it never arrived (e.g. a receipt lost in a drop).
   */
  whenFrame(
    pred: (frame: BinaryNode, target: FaultTarget) => boolean,
    fault: FaultName,
    opts: { swallow?: boolean } = {},
  ): void {
    this.frameHooks.push({ pred, fault, swallow: opts.swallow ?? false });
  }

  /** Runs a named fault now. */
  run(fault: FaultName, account?: AccountInfo): void {
    switch (fault) {
      case 'closeSocket':
        this.closeSocket(account);
        return;
      case 'terminateSocket':
        this.terminateSocket(account);
        return;
      case 'conflict':
        this.conflict('replaced', { account });
        return;
      case 'streamError515':
        this.streamError(515, account);
        return;
      case 'streamError503':
        this.streamError(503, account);
        return;
      case 'goSilent':
        this.goSilent(true, account);
        return;
      default:
        assertNever(fault);
    }
  }

  /** Clears every fault setting and pending timer. */
  reset(): void {
    this.silent.reset();
    this.withhold.reset();
    this.ackDelay.reset();
    this.drops.clear();
    this.deliveryDrops.clear();
    this.corruptions.clear();
    this.copyCorruptions.clear();
    this.retryHold.reset();
    this.heldRetries.length = 0;
    this.refuseUntil = 0;
    this.refuseCount = 0;
    this.conflictAlways = false;
    this.frameHooks.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---- queried by the server and connections ----

  /** @internal */
  isSilent(phone: string | undefined): boolean {
    return this.silent.get(phone);
  }

  /** @internal */
  ackPolicy(phone: string | undefined): { withhold: boolean; delayMs: number } {
    return { withhold: this.withhold.get(phone), delayMs: this.ackDelay.get(phone) };
  }

  /** @internal Consumes one refusal if refusing. */
  takeRefusal(): boolean {
    if (this.refuseCount > 0) {
      this.refuseCount--;
      return true;
    }
    return Date.now() < this.refuseUntil;
  }

  /** @internal */
  get conflictOnEvery(): boolean {
    return this.conflictAlways;
  }

  /** @internal Consumes a pending drop for this account. */
  takeDrop(phone: string | undefined): DropOptions | undefined {
    return takeOneShot(this.drops, phone);
  }

  /** @internal Consumes a pending drop-after-delivery for this account. */
  /**
   * The next `count` copies `account`'s clients (or anyone's) send to a fake party (a contact's
   * device, an account's phone; only those of the party whose phone jid is `to`, if given) arrive
   * damaged (the last byte flipped): the party cannot decrypt them and asks the client for the
   * message again with a retry receipt, as a phone does.
   */
  corruptClientCopies(count = 1, opts: { account?: AccountInfo; to?: string } = {}): void {
    this.copyCorruptions.set(opts.account?.phoneNumber ?? '*', { left: count, to: opts.to });
  }

  /** @internal Whether a client copy about to be decrypted by the party `to` is damaged (`corruptClientCopies`). */
  takeClientCopyCorruption(phone: string | undefined, to: string): boolean {
    const own = phone !== undefined ? this.copyCorruptions.get(phone) : undefined;
    const plan = own && own.left > 0 ? own : this.copyCorruptions.get('*');
    if (!plan || plan.left <= 0 || (plan.to !== undefined && plan.to !== to)) return false;
    plan.left--;
    return true;
  }

  /** @internal Keeps a party's retry receipt for later if `holdRetryRequests` says so; false: send it now. */
  holdRetryRequest(phone: string | undefined, request: BinaryNode): boolean {
    if (phone === undefined || !this.retryHold.get(phone)) return false;
    this.heldRetries.push({ phone, request });
    return true;
  }

  takeDeliveryDrop(phone: string | undefined): 'terminate' | 'close' | undefined {
    return takeOneShot(this.deliveryDrops, phone);
  }

  /** @internal A message stanza about to be written to a client: damaged if `corruptDeliveries` says so. */
  mangleDelivery(phone: string | undefined, stanza: BinaryNode): BinaryNode {
    if (stanza.tag !== 'message' || !Array.isArray(stanza.content)) return stanza;
    const key = phone !== undefined && (this.corruptions.get(phone) ?? 0) > 0 ? phone : '*';
    const left = this.corruptions.get(key) ?? 0;
    if (left <= 0) return stanza;
    this.corruptions.set(key, left - 1);
    let done = false;
    const content = stanza.content.map((c) => {
      if (done || c.tag !== 'enc' || !(c.content instanceof Uint8Array)) return c;
      done = true;
      const bytes = Buffer.from(c.content);
      bytes[bytes.length - 1]! ^= 0xff;
      return { ...c, content: bytes };
    });
    return { ...stanza, content };
  }

  /** @internal Fires matching one-shot frame hooks on `target`; true if the frame must be ignored. */
  onFrame(frame: BinaryNode, target: FaultTarget): boolean {
    let swallow = false;
    for (let i = 0; i < this.frameHooks.length; i++) {
      const hook = this.frameHooks[i]!;
      if (!hook.pred(frame, target)) continue;
      this.frameHooks.splice(i--, 1);
      swallow ||= hook.swallow;
      if (hook.swallow) this.runOn(hook.fault, target);
      // Otherwise run after the current frame has been processed.
      else setImmediate(() => this.runOn(hook.fault, target));
    }
    return swallow;
  }

  private runOn(fault: FaultName, target: FaultTarget): void {
    switch (fault) {
      case 'closeSocket':
        return target.closeWith('server-close');
      case 'terminateSocket':
        return target.terminate('terminate');
      case 'conflict':
        return target.closeWith('conflict replaced', node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
      case 'streamError515':
        return target.closeWith('stream:error 515', node('stream:error', { code: 515 }));
      case 'streamError503':
        return target.closeWith('stream:error 503', node('stream:error', { code: 503 }));
      case 'goSilent':
        this.silent.set(true);
        return;
      default:
        assertNever(fault);
    }
  }

  private each(account: AccountInfo | undefined, fn: (t: FaultTarget) => void): number {
    const targets = this.host.liveConnections(account);
    targets.forEach(fn);
    return targets.length;
  }
}

/** A one-shot setting armed for one account (its phone number) or anyone ('*'): the account's wins. */
function takeOneShot<T>(armed: Map<string, T>, phone: string | undefined): T | undefined {
  for (const key of [phone ?? '', '*']) {
    const value = armed.get(key);
    if (value !== undefined) {
      armed.delete(key);
      return value;
    }
  }
  return undefined;
}

function assertNever(x: never): never {
  throw new Error(`unexpected fault ${String(x)}`);
}
