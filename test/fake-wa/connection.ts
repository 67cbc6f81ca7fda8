/**
 * One client connection: framing, the Noise handshake, registration (pair-device) or login
 * (ClientPayload check, `<success>`), then dispatch of every inbound node, strictly in order.
 * Iq answers live in iq.ts; message routing in router.ts.
 */
import { toNumber, type KeyPair, type proto } from '@whiskeysockets/baileys';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { children, decodeNode, encodeNode, firstChildTag, node, S_WHATSAPP_NET, unixNow, type BinaryNode } from './binary.js';
import type { Account, CompanionDevice } from './directory.js';
import type { FaultTarget, Faults } from './faults.js';
import { encodeFrame, FrameReader } from './framing.js';
import { NoiseResponder } from './noise.js';
import type { ConnectionRecord, Recorder } from './record.js';

/** Keys and prekey the client announced in its registration payload. */
export interface RegistrationData {
  noiseKey: Buffer;
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
}

/** What a connection needs from the server. */
export interface ConnectionHost {
  readonly recorder: Recorder;
  readonly faults: Faults;
  readonly refs: number;
  readonly staticKeys: KeyPair;
  readonly certChain: Uint8Array;
  log(connectionId: number, what: string): void;
  accountByPhone(phone: string): Account | undefined;
  /** Called once a login payload checked out, before `<success>` (replaces older links of the device). */
  onLogin(conn: ClientConnection): void;
  onRegistration(conn: ClientConnection): void;
  onClosed(conn: ClientConnection): void;
  handleIq(conn: ClientConnection, iq: BinaryNode): Promise<void>;
  handleMessage(conn: ClientConnection, msg: BinaryNode): Promise<void>;
  handleReceipt(conn: ClientConnection, receipt: BinaryNode): Promise<void>;
  handleAck(conn: ClientConnection, ack: BinaryNode): Promise<void>;
}

type Phase = 'hello' | 'finish' | 'open' | 'closed';

export class ClientConnection implements FaultTarget {
  readonly record: ConnectionRecord;
  private phase: Phase = 'hello';
  private readonly reader = new FrameReader();
  private readonly noise: NoiseResponder;
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new Map<string, { resolve: (n: BinaryNode) => void; reject: (e: Error) => void }>();
  private closeReason: string | undefined;
  /** Registration connections: the keys from the payload and the QR refs sent. */
  registration: RegistrationData | undefined;
  refs: string[] = [];
  /** Login connections: whose device this is. */
  account: Account | undefined;
  device: CompanionDevice | undefined;
  /** Set once the offline queue was flushed; live messages flow after this. */
  ready = false;
  clientStatic: Buffer | undefined;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly host: ConnectionHost,
  ) {
    this.record = host.recorder.openConnection(id);
    this.noise = new NoiseResponder(host.staticKeys, host.certChain);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.chain = this.chain.then(() => this.onData(chunk)).catch((err: unknown) => this.onError(err));
    });
    ws.on('close', () => this.onSocketClosed());
    ws.on('error', () => this.onSocketClosed());
  }

  get accountPhone(): string | undefined {
    return this.account?.phoneNumber;
  }

  get isOpen(): boolean {
    return this.phase !== 'closed';
  }

  /** Whether the fault switch says this connection must stay silent. */
  private get silent(): boolean {
    return this.host.faults.isSilent(this.accountPhone);
  }

  /** Sends a node (dropped while silent or closed). */
  send(n: BinaryNode): void {
    if (this.phase !== 'open' || this.silent) return;
    this.host.recorder.frame(this.record, {
      dir: 'out',
      at: Date.now(),
      tag: n.tag,
      attrs: { ...n.attrs },
      child: firstChildTag(n),
      ...encTypes(n),
    });
    this.ws.send(encodeFrame(this.noise.encrypt(encodeNode(n))));
  }

  /** Sends an iq and resolves with the reply carrying its id (or rejects after `timeoutMs`). */
  query(iq: BinaryNode, timeoutMs = 5000): Promise<BinaryNode> {
    const id = iq.attrs.id!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no reply to iq ${id}`));
      }, timeoutMs);
      this.waiters.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.send(iq);
    });
  }

  closeWith(reason: string, final?: BinaryNode): void {
    if (this.phase === 'closed') return;
    this.closeReason ??= reason;
    if (final) this.send(final);
    this.ws.close();
    this.markClosed();
  }

  terminate(reason: string): void {
    if (this.phase === 'closed') return;
    this.closeReason ??= reason;
    this.ws.terminate();
    this.markClosed();
  }

  private async onData(chunk: Buffer): Promise<void> {
    for (const frame of this.reader.push(chunk)) {
      if (this.isOpen) await this.onFrame(frame);
      else await this.afterClose(frame);
    }
  }

  /**
   * A frame the server had read when the link closed (its own handling was behind). Receipts and
   * acks still count, as on the real server: the device confirmed those stanzas before the drop,
   * so they leave its queue and are not delivered again (a redelivery of what the client already
   * decrypted is a copy it can no longer read). Anything else is dropped: there is no link to
   * answer on. Fault hooks do not see these frames; they act on live links.
   */
  private async afterClose(frame: Buffer): Promise<void> {
    if (this.record.loggedInAt === undefined || !this.device) return;
    const n = await decodeNode(this.noise.decrypt(frame));
    if (n.tag !== 'receipt' && n.tag !== 'ack') return;
    this.host.recorder.frame(this.record, { dir: 'in', at: Date.now(), tag: n.tag, attrs: { ...n.attrs }, child: firstChildTag(n) });
    await this.dispatch(n);
  }

  private async onFrame(frame: Buffer): Promise<void> {
    switch (this.phase) {
      case 'hello': {
        // A silent server does not even answer the handshake (Baileys: 408 Timed Out).
        if (this.silent) return;
        const reply = this.noise.respondToHello(frame);
        this.phase = 'finish';
        this.ws.send(encodeFrame(reply));
        return;
      }
      case 'finish': {
        const { clientStatic, payload } = this.noise.readFinish(frame);
        this.clientStatic = clientStatic;
        this.phase = 'open';
        this.record.handshakeAt = Date.now();
        if (payload.devicePairingData) return this.startRegistration(clientStatic, payload.devicePairingData);
        return this.startLogin(clientStatic, payload.username, payload.device);
      }
      case 'open': {
        const n = await decodeNode(this.noise.decrypt(frame));
        this.host.recorder.frame(this.record, {
          dir: 'in',
          at: Date.now(),
          tag: n.tag,
          attrs: { ...n.attrs },
          child: firstChildTag(n),
          ...encTypes(n),
        });
        this.host.log(this.id, `in ${n.tag}${n.attrs.xmlns ? ` ${n.attrs.xmlns}` : ''}`);
        if (this.host.faults.onFrame(n, this) || this.silent) return;
        return this.dispatch(n);
      }
      case 'closed':
        return;
    }
  }

  private async dispatch(n: BinaryNode): Promise<void> {
    const waiter = n.tag === 'iq' && n.attrs.id ? this.waiters.get(n.attrs.id) : undefined;
    if (waiter && (n.attrs.type === 'result' || n.attrs.type === 'error')) {
      this.waiters.delete(n.attrs.id!);
      waiter.resolve(n);
      return;
    }
    switch (n.tag) {
      case 'iq':
        if (n.attrs.type === 'get' || n.attrs.type === 'set') await this.host.handleIq(this, n);
        return;
      case 'message':
        await this.host.handleMessage(this, n);
        return;
      case 'receipt':
        await this.host.handleReceipt(this, n);
        return;
      case 'ack':
        await this.host.handleAck(this, n);
        return;
      default:
        // presence, ib (unified_session, offline_batch), chatstate...: recorded, no answer needed.
        return;
    }
  }

  private startRegistration(clientStatic: Buffer, data: proto.ClientPayload.IDevicePairingRegistrationData): void {
    const { eRegid, eIdent, eSkeyId, eSkeyVal, eSkeySig } = data;
    if (!eRegid || !eIdent || !eSkeyId || !eSkeyVal || !eSkeySig) {
      this.closeWith('bad registration payload', node('failure', { reason: 400 }));
      return;
    }
    this.registration = {
      noiseKey: clientStatic,
      identityKey: Buffer.from(eIdent),
      registrationId: Buffer.from(eRegid).readUIntBE(0, eRegid.length),
      signedPreKey: {
        keyId: Buffer.from(eSkeyId).readUIntBE(0, eSkeyId.length),
        publicKey: Buffer.from(eSkeyVal),
        signature: Buffer.from(eSkeySig),
      },
    };
    this.record.kind = 'registration';
    if (this.host.faults.conflictOnEvery) return this.conflictNow();
    this.refs = Array.from({ length: this.host.refs }, () => `2@${randomBytes(24).toString('base64')}`);
    this.host.onRegistration(this);
    this.send(
      node('iq', { from: S_WHATSAPP_NET, type: 'set', id: this.serverTag(), xmlns: 'md' }, [
        node(
          'pair-device',
          {},
          this.refs.map((r) => node('ref', {}, Buffer.from(r))),
        ),
      ]),
    );
  }

  private startLogin(clientStatic: Buffer, username: unknown, device: number | null | undefined): void {
    const phone = username === null || username === undefined ? '' : String(toNumber(username as number));
    const account = this.host.accountByPhone(phone);
    const companion = account?.devices.get(device ?? 0);
    this.record.kind = 'login';
    if (!account || !companion || companion.removedAt !== undefined || !companion.noiseKey.equals(clientStatic)) {
      this.closeWith('failure 401 (unknown device)', node('failure', { reason: 401, location: 'fake' }));
      return;
    }
    this.account = account;
    this.device = companion;
    this.record.account = account.phoneNumber;
    this.record.deviceId = companion.deviceId;
    if (this.host.faults.conflictOnEvery) return this.conflictNow();
    this.host.onLogin(this);
    if (this.phase !== 'open') return;
    this.send(
      node('success', {
        t: unixNow(),
        lid: account.deviceLid(companion.deviceId),
        props: '1',
        abprops: '1',
        location: 'fake',
        creation: Math.floor(companion.pairedAt / 1000),
      }),
    );
    this.record.loggedInAt = Date.now();
  }

  private conflictNow(): void {
    this.closeWith('conflict replaced (every connection)', node('stream:error', {}, [node('conflict', { type: 'replaced' })]));
  }

  private serverTag(): string {
    return `srv-${this.id}-${randomBytes(4).toString('hex')}`;
  }

  private onError(err: unknown): void {
    this.host.log(this.id, `error: ${err instanceof Error ? err.message : String(err)}`);
    this.terminate(`server error: ${err instanceof Error ? err.message : String(err)}`);
  }

  private onSocketClosed(): void {
    this.closeReason ??= 'client-close';
    this.markClosed();
  }

  private markClosed(): void {
    if (this.record.closedAt !== undefined) return;
    this.phase = 'closed';
    this.record.closedAt = Date.now();
    this.record.closedReason = this.closeReason;
    for (const w of this.waiters.values()) w.reject(new Error(`connection closed: ${this.closeReason ?? 'unknown'}`));
    this.waiters.clear();
    this.host.onClosed(this);
  }
}

/** For message stanzas: the `type` of each direct `<enc>` child (`pkmsg`, `msg`, `skmsg`), for the record. */
function encTypes(n: BinaryNode): { encs?: string[] } {
  if (n.tag !== 'message') return {};
  const encs = children(n, 'enc').map((e) => e.attrs.type ?? '');
  return encs.length ? { encs } : {};
}
