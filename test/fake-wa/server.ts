/**
 * FakeWaServer: a WebSocket server on 127.0.0.1 that speaks enough of the WhatsApp Web protocol
 * for the real, unmodified Baileys client to pair (QR), log in, and exchange 1:1 text messages
 * with fake contacts, plus switches to break the link on purpose (`faults`) and a full record of
 * what happened (`record`). See README.md.
 */
import { Curve, type KeyPair } from '@whiskeysockets/baileys';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { node, S_WHATSAPP_NET, type BinaryNode } from './binary.js';
import { buildCertChain, testCa } from './certificates.js';
import { ClientConnection, type ConnectionHost } from './connection.js';
import { FakeContact, type AutoReceipt, type ContactOptions } from './contact.js';
import { Account, Directory, type AccountInfo, type CompanionDevice } from './directory.js';
import { Faults } from './faults.js';
import { FakeGroup, type GroupAddressing, type GroupMember } from './group.js';
import { FakeOwnerPhone } from './owner-phone.js';
import { handleIq, type IqHost } from './iq.js';
import { buildPairSuccess, parseQr, verifyPairDeviceSign } from './pairing/phone.js';
import { Recorder } from './record.js';
import { phoneSender, Router } from './router.js';

export interface FakeWaServerOptions {
  /** Refs per pair-device (QR rotations before Baileys gives up with 408). Default 3. */
  refs?: number;
  /** Listen port; default random. */
  port?: number;
  /** Print tag-level protocol traces to stderr (never message text or numbers). Also FAKE_WA_DEBUG=1. */
  debug?: boolean;
  /** A second login of the same device replaces the first with `conflict replaced` (default true, like WhatsApp). */
  replaceOnDuplicateLogin?: boolean;
  /** Default receipt behaviour of new contacts. */
  autoReceipt?: AutoReceipt;
  /** Name (push name) of the default account; default 'Me'. Use '' for an account without a name. */
  defaultAccountName?: string;
  /**
   * Duplicate suppression, as on WhatsApp (default true): a client `<message>` copy whose id the
   * server already accepted from the same sender account, in the same chat, for the same recipient
   * is acked but not delivered again (recorded in `record.duplicateSends`). Retry resends
   * (`<enc count>`) always go through. `false`: every copy is delivered.
   */
  dedupeClientMessages?: boolean;
}

export interface CreateAccountOptions {
  name?: string;
  /** Digits only, e.g. '15550100042'. */
  phone?: string;
  /** LID user digits (without '@lid'). */
  lid?: string;
}

export interface CreateGroupOptions {
  subject?: string;
  /** Members: contacts and accounts. The first is the creator (superadmin). */
  members: (FakeContact | AccountInfo)[];
  /** How the group names members: 'lid' (default, as new WhatsApp groups do) or 'pn'. */
  addressing?: GroupAddressing;
}

export interface PairResult {
  account: AccountInfo;
  deviceId: number;
  /** `PHONE:DEV@s.whatsapp.net`, what Baileys stores as `creds.me.id`. */
  deviceJid: string;
  deviceLid: string;
  connectionId: number;
}

export class FakeWaServer extends EventEmitter {
  readonly record = new Recorder();
  readonly faults: Faults;
  readonly directory = new Directory<FakeContact, FakeGroup>();
  readonly router: Router;
  /** The account `scanQr` uses when none is given. */
  readonly defaultAccount: AccountInfo;
  /** `ws://127.0.0.1:PORT/ws/chat` */
  readonly url: string;
  readonly port: number;
  /** Public key of the test CA; `installFakeCa(server)` puts it in `WA_CERT_DETAILS.PUBLIC_KEY`. */
  readonly caPublicKey: Buffer;

  private readonly live = new Set<ClientConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly staticKeys: KeyPair = Curve.generateKeyPair();
  private readonly certChain: Uint8Array;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly debug: boolean;
  private nextConnectionId = 1;
  private closed = false;

  /** Starts a server on 127.0.0.1 (random port unless given). */
  static async start(opts: FakeWaServerOptions = {}): Promise<FakeWaServer> {
    const http = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    return new FakeWaServer(http, opts);
  }

  private constructor(
    private readonly http: Server,
    private readonly opts: FakeWaServerOptions,
  ) {
    super();
    this.setMaxListeners(0);
    this.debug = opts.debug ?? process.env.FAKE_WA_DEBUG === '1';
    this.port = (http.address() as AddressInfo).port;
    this.url = `ws://127.0.0.1:${this.port}/ws/chat`;
    this.caPublicKey = testCa().publicKey;
    this.certChain = buildCertChain(this.staticKeys.public);
    this.faults = new Faults({ liveConnections: (account) => this.liveConnections(account) });
    this.router = new Router({
      directory: this.directory,
      recorder: this.record,
      faults: this.faults,
      dedupeClientMessages: opts.dedupeClientMessages ?? true,
      readyConnection: (device) => this.readyConnection(device),
      emit: (event, payload) => this.emit(event, payload),
    });
    this.defaultAccount = this.createAccount({ name: opts.defaultAccountName ?? 'Me' });
    http.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    http.on('upgrade', (req, socket: Socket, head) => {
      if (this.closed || !req.url?.startsWith('/ws/chat')) return void socket.destroy();
      if (this.faults.takeRefusal()) {
        const rec = this.record.openConnection(this.nextConnectionId++);
        rec.kind = 'refused';
        rec.closedAt = rec.openedAt;
        rec.closedReason = 'refused';
        this.emit('refused', rec);
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  // ---------- network population ----------

  /** Creates an account (a phone that can scan QR codes). */
  createAccount(opts: CreateAccountOptions = {}): AccountInfo {
    const account = new Account(
      opts.name ?? '',
      opts.phone ?? this.directory.nextPhone('account'),
      opts.lid ?? this.directory.nextLid(),
    );
    return this.directory.addAccount(account).info();
  }

  /** Creates a contact with its own Signal identity. */
  createContact(opts: ContactOptions): FakeContact {
    const contact = new FakeContact(
      this.router,
      opts.name,
      opts.phone ?? this.directory.nextPhone('contact'),
      opts.lid ?? this.directory.nextLid(),
      opts.autoReceipt ?? this.opts.autoReceipt ?? false,
      opts.devices ?? 1,
    );
    return this.directory.addContact(contact);
  }

  /** Creates a group of contacts and accounts (see group.ts). */
  createGroup(opts: CreateGroupOptions): FakeGroup {
    const members: GroupMember[] = opts.members.map((who, i) => {
      const admin = i === 0 ? ('superadmin' as const) : undefined;
      if (who instanceof FakeContact) return { contact: who, admin };
      return { account: this.accountOf(who), admin };
    });
    const group = new FakeGroup(
      this.router,
      this.directory.nextGroupId(),
      opts.subject ?? 'Group',
      opts.addressing ?? 'lid',
      members,
      (m) => (m.contact ? m.contact : phoneSender(m.account!)),
    );
    return this.directory.addGroup(group);
  }

  /** The account owner's phone: sends from the phone and reads chats there (see owner-phone.ts). */
  ownerPhone(account: AccountInfo = this.defaultAccount): FakeOwnerPhone {
    return new FakeOwnerPhone(this.router, this.accountOf(account).info());
  }

  // ---------- the phone ----------

  /**
   * Scans the QR a client showed, with `account`'s phone: pair-success, verify the client's
   * signature, register the device, then `stream:error 515`. Resolves once 515 is sent.
   */
  async scanQr(qr: string, accountInfo: AccountInfo = this.defaultAccount): Promise<PairResult> {
    const parsed = parseQr(qr);
    const account = this.accountOf(accountInfo);
    const conn = [...this.live].find(
      (c) => c.registration && c.clientStatic?.equals(parsed.noiseKey) && c.refs.includes(parsed.ref),
    );
    if (!conn?.registration) throw new Error('no live registration connection shows this QR');
    if (!conn.registration.identityKey.equals(parsed.identityKey)) throw new Error('QR identity key mismatch');
    const slot = account.allocateDevice();
    const { stanza, details } = buildPairSuccess(account, parsed, slot, `pair-${conn.id}-${slot.deviceId}`);
    const reply = await conn.query(stanza);
    verifyPairDeviceSign(reply, account, parsed, details);
    const device: CompanionDevice = {
      account,
      deviceId: slot.deviceId,
      keyIndex: slot.keyIndex,
      noiseKey: conn.registration.noiseKey,
      identityKey: conn.registration.identityKey,
      registrationId: conn.registration.registrationId,
      signedPreKey: conn.registration.signedPreKey,
      preKeys: new Map(),
      platform: parsed.platform,
      pairedAt: Date.now(),
    };
    account.devices.set(device.deviceId, device);
    conn.account = account;
    conn.device = device;
    conn.record.account = account.phoneNumber;
    conn.record.deviceId = device.deviceId;
    const result: PairResult = {
      account: account.info(),
      deviceId: device.deviceId,
      deviceJid: account.deviceJid(device.deviceId),
      deviceLid: account.deviceLid(device.deviceId),
      connectionId: conn.id,
    };
    this.emit('paired', result);
    conn.closeWith('stream:error 515', node('stream:error', { code: 515 }));
    return result;
  }

  /**
   * The phone unlinks a device (default: every linked device of the account). Live connections get
   * `<stream:error code="401"><conflict type="device_removed"/>` (Baileys: 401); later logins get 401.
   * Pass `code: null` to omit the code (Baileys then reports 440).
   */
  unlinkDevice(accountInfo: AccountInfo, opts: { deviceId?: number; code?: string | number | null } = {}): void {
    const account = this.accountOf(accountInfo);
    const code = opts.code === null ? undefined : (opts.code ?? 401);
    for (const device of account.activeDevices()) {
      if (opts.deviceId !== undefined && device.deviceId !== opts.deviceId) continue;
      device.removedAt = Date.now();
      this.router.forgetDevice(device);
      for (const c of this.live) {
        if (c.device === device) {
          c.closeWith('device_removed', node('stream:error', { code }, [node('conflict', { type: 'device_removed' })]));
        }
      }
    }
  }

  // ---------- queries ----------

  /** Open connections (optionally of one account). */
  liveConnections(account?: AccountInfo): ClientConnection[] {
    return [...this.live].filter((c) => c.isOpen && (!account || c.accountPhone === account.phoneNumber));
  }

  /** Ids of messages still waiting for a client receipt on `account`'s devices. */
  pendingDeliveries(account: AccountInfo = this.defaultAccount): { deviceId: number; id: string }[] {
    return this.router.pendingFor(account);
  }

  /** Server receipts (`receipt`) or call stanzas (`call`) still waiting for a client ack on `account`'s devices. */
  pendingStanzas(cls: 'receipt' | 'call', account: AccountInfo = this.defaultAccount): { deviceId: number; id: string }[] {
    return this.router.pendingFor(account, cls);
  }

  /** Resolves when `predicate` holds (polled every 10 ms); rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await predicate()) return;
      if (Date.now() > deadline) throw new Error(`fake-wa waitFor timed out after ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resolves with the next `event` payload matching `predicate`. */
  waitForEvent<T = unknown>(event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`fake-wa waitForEvent('${event}') timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (payload: T) => {
        if (!predicate(payload)) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve(payload);
      };
      this.on(event, listener);
    });
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.faults.reset();
    this.router.close();
    for (const c of this.live) c.terminate('server shutdown');
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---------- internals ----------

  private accountOf(info: AccountInfo): Account {
    const account = this.directory.accountByPhone(info.phoneNumber);
    if (!account) throw new Error('unknown account');
    return account;
  }

  private readyConnection(device: CompanionDevice): ClientConnection | undefined {
    return [...this.live].reverse().find((c) => c.device === device && c.ready && c.isOpen);
  }

  private log(connectionId: number, what: string): void {
    if (this.debug) console.error(`[fake-wa #${connectionId}] ${what}`);
  }

  private accept(ws: WebSocket): void {
    const id = this.nextConnectionId++;
    const iqHost: IqHost = {
      directory: this.directory,
      recorder: this.record,
      flushOffline: (c) => this.flushOffline(c),
      emit: (event, payload) => this.emit(event, payload),
      unlinkDevice: (c) => {
        if (!c.device) return;
        c.device.removedAt = Date.now();
        this.router.forgetDevice(c.device);
      },
    };
    const host: ConnectionHost = {
      recorder: this.record,
      faults: this.faults,
      refs: this.opts.refs ?? 3,
      staticKeys: this.staticKeys,
      certChain: this.certChain,
      log: (cid, what) => this.log(cid, what),
      accountByPhone: (phone) => this.directory.accountByPhone(phone),
      onRegistration: (c) => this.emit('registration', { connectionId: c.id }),
      onLogin: (c) => this.onLogin(c),
      onClosed: (c) => {
        this.live.delete(c);
        this.log(c.id, `closed: ${c.record.closedReason ?? ''}`);
        this.emit('close', c.record);
      },
      handleIq: (c, iq) => handleIq(iqHost, c, iq),
      handleMessage: (c, m) => this.router.onClientMessage(c, m),
      handleReceipt: (c, r) => this.router.onClientReceipt(c, r),
      handleAck: (c, a) => this.router.onClientAck(c, a),
    };
    const conn = new ClientConnection(id, ws, host);
    this.live.add(conn);
    this.log(id, 'connected');
    this.emit('connection', conn.record);
  }

  private onLogin(conn: ClientConnection): void {
    if (this.opts.replaceOnDuplicateLogin ?? true) {
      for (const other of this.live) {
        if (other !== conn && other.device === conn.device && other.isOpen) {
          other.closeWith('conflict replaced (new login)', conflictReplaced());
        }
      }
    }
    this.emit('login', { connectionId: conn.id, account: conn.account!.info(), deviceId: conn.device!.deviceId });
  }

  private readonly flushing = new WeakSet<ClientConnection>();

  /** Offline queue, then `<ib><offline count/>`; afterwards messages flow live. */
  private async flushOffline(conn: ClientConnection): Promise<void> {
    if (!conn.device || this.flushing.has(conn)) return;
    this.flushing.add(conn);
    const count = await this.router.deliverOffline(conn);
    conn.send(node('ib', { from: S_WHATSAPP_NET }, [node('offline', { count })]));
    conn.ready = true;
    conn.record.readyAt = Date.now();
    conn.record.offlineCount = count;
    this.emit('ready', { connectionId: conn.id, offlineCount: count });
    await this.router.kick(conn.device);
  }
}

function conflictReplaced(): BinaryNode {
  return node('stream:error', {}, [node('conflict', { type: 'replaced' })]);
}
