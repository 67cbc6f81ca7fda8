/**
 * Answers to the iqs Baileys sends after login and while running: prekeys, passive, digest,
 * props, blocklist, privacy, usync (devices + lid + contact), key fetch, pings, tctokens...
 * Anything else gets an empty result and is recorded as unknown.
 */
import {
  allChildren,
  child,
  childBytes,
  children,
  childUInt,
  bytesOf,
  firstChildTag,
  node,
  S_WHATSAPP_NET,
  uintBytes,
  unixNow,
  type BinaryNode,
} from './binary.js';
import type { ClientConnection } from './connection.js';
import type { FakeContact } from './contact.js';
import { takeCompanionBundle, type Directory, type Resolved } from './directory.js';
import type { FakeGroup } from './group.js';
import type { Recorder } from './record.js';
import type { PreKeyBundle } from './signal-party.js';

export interface IqHost {
  readonly directory: Directory<FakeContact, FakeGroup>;
  readonly recorder: Recorder;
  /** Delivers queued messages and sends `<ib><offline count/>` (once per connection). */
  flushOffline(conn: ClientConnection): Promise<void>;
  emit(event: 'unknown-iq', payload: unknown): void;
  /** Marks a device unlinked (client logout). */
  unlinkDevice(conn: ClientConnection): void;
}

const KEY_TYPE = Buffer.from([5]);

/** Result iq echoing the request id. */
function result(iq: BinaryNode, content?: BinaryNode[]): BinaryNode {
  return node('iq', { from: S_WHATSAPP_NET, type: 'result', id: iq.attrs.id }, content);
}

export async function handleIq(host: IqHost, conn: ClientConnection, iq: BinaryNode): Promise<void> {
  const xmlns = iq.attrs.xmlns;
  const what = firstChildTag(iq);
  const type = iq.attrs.type;
  switch (`${xmlns}/${type}/${what ?? ''}`) {
    case 'encrypt/get/count':
      conn.send(result(iq, [node('count', { value: conn.device?.preKeys.size ?? 0 })]));
      return;
    case 'encrypt/set/registration':
    case 'encrypt/set/list':
      storeUpload(conn, iq);
      conn.send(result(iq));
      return;
    case 'encrypt/set/rotate':
      storeRotate(conn, iq);
      conn.send(result(iq));
      return;
    case 'encrypt/get/digest':
      conn.send(result(iq, [digest(conn)]));
      await host.flushOffline(conn);
      return;
    case 'encrypt/get/key':
      conn.send(result(iq, [node('list', {}, keyFetch(host.directory, iq))]));
      return;
    case 'passive/set/active':
    case 'passive/set/passive':
      conn.send(result(iq));
      return;
    case 'abt/get/props':
      conn.send(result(iq, [node('props', { protocol: '1', hash: 'fakehash' }, [])]));
      await host.flushOffline(conn);
      return;
    case 'blocklist/get/':
      conn.send(result(iq, [node('list', {}, [])]));
      await host.flushOffline(conn);
      return;
    case 'privacy/get/privacy':
      conn.send(result(iq, [privacy()]));
      await host.flushOffline(conn);
      return;
    case 'privacy/set/tokens':
      conn.send(result(iq));
      return;
    case 'usync/get/usync':
      conn.send(result(iq, [usync(host.directory, iq)]));
      return;
    case 'w:p/get/ping':
      conn.send(result(iq));
      return;
    case 'md/set/remove-companion-device':
      conn.send(result(iq));
      host.unlinkDevice(conn);
      return;
    case 'w:g2/get/query':
      conn.send(groupMetadata(host.directory, conn, iq));
      return;
    case 'w:g2/get/participating':
      conn.send(result(iq, [participating(host.directory, conn)]));
      return;
    default: {
      const record = { connectionId: conn.id, at: Date.now(), xmlns, type, child: what };
      host.recorder.unknownIqs.push(record);
      host.emit('unknown-iq', record);
      conn.send(result(iq));
    }
  }
}

/** Prekey upload: `<registration><type><identity><list><key>…</list><skey>`. */
function storeUpload(conn: ClientConnection, iq: BinaryNode): void {
  const device = conn.device;
  if (!device) return;
  const registrationId = childUInt(iq, 'registration');
  if (registrationId !== undefined) device.registrationId = registrationId;
  for (const key of children(child(iq, 'list'), 'key')) {
    const id = childUInt(key, 'id');
    const value = childBytes(key, 'value');
    if (id !== undefined && value) device.preKeys.set(id, value);
  }
  const skey = readSignedKey(child(iq, 'skey'));
  if (skey) device.signedPreKey = skey;
}

function storeRotate(conn: ClientConnection, iq: BinaryNode): void {
  const skey = readSignedKey(child(child(iq, 'rotate'), 'skey'));
  if (skey && conn.device) conn.device.signedPreKey = skey;
}

function readSignedKey(skey: BinaryNode | undefined): PreKeyBundle['signedPreKey'] | undefined {
  const keyId = childUInt(skey, 'id');
  const publicKey = childBytes(skey, 'value');
  const signature = childBytes(skey, 'signature');
  return keyId !== undefined && publicKey && signature ? { keyId, publicKey, signature } : undefined;
}

function digest(conn: ClientConnection): BinaryNode {
  const d = conn.device;
  if (!d) return node('digest', {});
  return node('digest', {}, [
    node('registration', {}, uintBytes(d.registrationId, 4)),
    node('type', {}, KEY_TYPE),
    node('identity', {}, d.identityKey),
    node('skey', {}, [node('id', {}, uintBytes(d.signedPreKey.keyId, 3))]),
    node('list', {}, [...d.preKeys.keys()].slice(0, 100).map((id) => node('id', {}, uintBytes(id, 3)))),
  ]);
}

function privacy(): BinaryNode {
  const categories: [string, string][] = [
    ['last', 'all'],
    ['online', 'all'],
    ['profile', 'all'],
    ['status', 'contacts'],
    ['groupadd', 'all'],
    ['readreceipts', 'all'],
    ['calladd', 'all'],
  ];
  return node(
    'privacy',
    {},
    categories.map(([name, value]) => node('category', { name, value })),
  );
}

function bundleNode(jid: string, b: PreKeyBundle): BinaryNode {
  const content: BinaryNode[] = [
    node('registration', {}, uintBytes(b.registrationId, 4)),
    node('type', {}, KEY_TYPE),
    node('identity', {}, b.identityKey),
    node('skey', {}, [
      node('id', {}, uintBytes(b.signedPreKey.keyId, 3)),
      node('value', {}, b.signedPreKey.publicKey),
      node('signature', {}, b.signedPreKey.signature),
    ]),
  ];
  if (b.preKey) {
    content.push(
      node('key', {}, [node('id', {}, uintBytes(b.preKey.keyId, 3)), node('value', {}, b.preKey.publicKey)]),
    );
  }
  return node('user', { jid }, content);
}

/** The prekey bundle for a resolved device, consuming a one-time prekey. */
export function bundleFor(r: Resolved<FakeContact, FakeGroup> | undefined): PreKeyBundle | undefined {
  if (!r) return undefined;
  switch (r.kind) {
    case 'group':
      return undefined;
    case 'contact':
      return r.contact.partyOf(r.device)?.takeBundle();
    case 'phone':
      return r.account.phone.takeBundle();
    case 'companion':
      return r.companion && r.companion.removedAt === undefined ? takeCompanionBundle(r.companion) : undefined;
  }
}

/** `<key><user jid/>…</key>`: one bundle per known device; unknown users are left out. */
function keyFetch(directory: Directory<FakeContact, FakeGroup>, iq: BinaryNode): BinaryNode[] {
  const out: BinaryNode[] = [];
  for (const user of children(child(iq, 'key'), 'user')) {
    const jid = user.attrs.jid;
    const bundle = bundleFor(directory.resolve(jid));
    if (jid && bundle) out.push(bundleNode(jid, bundle));
  }
  return out;
}

/** usync: answers the devices, lid, contact and status protocols for each listed user. */
function usync(directory: Directory<FakeContact, FakeGroup>, iq: BinaryNode): BinaryNode {
  const request = child(iq, 'usync');
  const protocols = allChildren(child(request, 'query')).map((q) => q.tag);
  const users: BinaryNode[] = [];
  for (const user of children(child(request, 'list'), 'user')) {
    let jid = user.attrs.jid;
    const phone = bytesOf(child(user, 'contact'))?.toString('utf8');
    if (!jid && phone) jid = `${phone.replace(/[^0-9]/g, '')}@s.whatsapp.net`;
    if (!jid) continue;
    const resolved = directory.resolve(jid);
    const who = resolved?.kind === 'contact' ? resolved.contact : resolved?.kind === 'group' ? undefined : resolved?.account;
    const content: BinaryNode[] = [];
    for (const protocol of protocols) {
      switch (protocol) {
        case 'devices':
          if (who) content.push(devices(resolved!));
          break;
        case 'lid':
          if (who) content.push(node('lid', { val: who.lid }));
          break;
        case 'contact':
          content.push(node('contact', { type: who ? 'in' : 'out' }));
          break;
        case 'status':
          if (who) content.push(node('status', { t: unixNow() }, Buffer.from('Hey there! I am using WhatsApp.')));
          break;
        default:
          break;
      }
    }
    users.push(node('user', { jid }, content));
  }
  return node('usync', { ...request?.attrs }, [node('result', {}, []), node('list', {}, users)]);
}

/** A user's devices: the phone (0), then linked devices with their `key-index` (Baileys drops those without). */
function devices(r: Resolved<FakeContact, FakeGroup>): BinaryNode {
  const list: BinaryNode[] = [node('device', { id: 0 })];
  if (r.kind === 'contact') {
    for (const d of r.contact.deviceIds) if (d !== 0) list.push(node('device', { id: d, 'key-index': d }));
  } else if (r.kind !== 'group') {
    for (const d of r.account.activeDevices()) list.push(node('device', { id: d.deviceId, 'key-index': d.keyIndex }));
  }
  return node('devices', {}, [node('device-list', {}, list), node('key-index-list', { ts: unixNow() })]);
}

/**
 * `<iq xmlns="w:g2" type="get" to="GROUP"><query request="interactive"/></iq>`: the group's
 * metadata, or `<error code="404">` for an unknown group and `403` for one the asker is not in.
 */
function groupMetadata(directory: Directory<FakeContact, FakeGroup>, conn: ClientConnection, iq: BinaryNode): BinaryNode {
  const r = directory.resolve(iq.attrs.to);
  const reply = (content: BinaryNode[]) => node('iq', { from: iq.attrs.to, type: 'result', id: iq.attrs.id }, content);
  if (r?.kind !== 'group') return node('iq', { from: iq.attrs.to, type: 'error', id: iq.attrs.id }, [node('error', { code: 404, text: 'item-not-found' })]);
  if (conn.account && !r.group.member(conn.account)) {
    return node('iq', { from: iq.attrs.to, type: 'error', id: iq.attrs.id }, [node('error', { code: 403, text: 'forbidden' })]);
  }
  return reply([r.group.metadataNode()]);
}

/** `<participating>`: every group the asking account is in. */
function participating(directory: Directory<FakeContact, FakeGroup>, conn: ClientConnection): BinaryNode {
  const mine = directory.groups.filter((g) => conn.account && g.member(conn.account));
  return node('groups', {}, mine.map((g) => g.metadataNode()));
}
