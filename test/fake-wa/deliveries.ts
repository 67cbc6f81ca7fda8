/**
 * What the server holds for one companion device until that device confirms it: a `Delivery`.
 * Each knows how to write itself as a stanza (encrypting on first use; a redelivery reuses the
 * stored ciphertext, as the real server does), what clears it (a receipt for messages, an ack for
 * server receipts and calls), and what a retry receipt makes its sender do.
 *
 * Messages from fake parties (a contact's phone, the account's own phone) are encrypted pairwise
 * for the device; group messages carry a sender-key `skmsg`, plus the sender key itself
 * (`senderKeyDistributionMessage`, pairwise) the first time that device gets one from that sender.
 * A retry receipt makes the sender do what Baileys' `sendMessagesAgain` does (messages-recv.js):
 * start a new session from the prekey bundle in the receipt's `<keys>` when there is one,
 * otherwise from a fresh server bundle (deleting the old session first if the receipt's
 * registration id says it belongs to an earlier registration), then encrypt the message again for
 * that device only, with `<enc count="N">`; a group message goes again pairwise, with the sender
 * key inside.
 */
import type { proto } from '@whiskeysockets/baileys';
import { child, childBytes, childUInt, node, uintBytes, unixNow, type BinaryNode } from './binary.js';
import { companionAddress, encodeMessage } from './contact.js';
import { takeCompanionBundle, type CompanionDevice } from './directory.js';
import { encKindAttrs } from './kinds.js';
import type { RetryRecord } from './record.js';
import type { EncType, PreKeyBundle, SignalParty } from './signal-party.js';

export type DeliveryClass = 'message' | 'receipt' | 'call';

/** One stanza waiting for one companion device. */
export interface Delivery {
  readonly id: string;
  /** `message`: cleared by the device's receipt (or a final nack). `receipt` / `call`: by its ack. */
  readonly cls: DeliveryClass;
  /** Held for the device's next login (the `offline` send option). */
  held: boolean;
  /** Connection ids it was written to. */
  readonly deliveredTo: Set<number>;
  /** Retry receipts answered so far. */
  retries: number;
  /**
   * The connection on which a retry receipt for this message was answered: the one error ack the
   * client sends there after its retry receipt is for the copy the resend replaced, not final. A
   * nack on any other connection (or a second one on that connection) is for the resend: final.
   */
  replacedOn: number | undefined;
  /** The stanza, with the `offline` attr for a login's offline queue. */
  stanza(offline: boolean): Promise<BinaryNode>;
  /**
   * A retry receipt from the device. `rewrite`: a new copy is ready, write it now. `forwarded`: the
   * sender (another account's client) was asked and will send it again itself.
   */
  retry?(receipt: BinaryNode): Promise<'rewrite' | 'forwarded'>;
  /** It was written to a connection. */
  written?(connectionId: number, offline: boolean): void;
}

/** A fake party that sends from its phone (device 0): a contact, or an account's own phone. */
export interface PartySender {
  readonly name: string;
  readonly phoneJid: string;
  readonly lid: string;
  readonly party: SignalParty;
}

/** What a retry receipt asks for (Baileys' `sendRetryRequest`). */
export interface RetryRequest {
  /** `<retry count>`: 1 on the first request for this message, then 2, 3, ... */
  count: number;
  /** `<registration>`: the asking device's registration id. */
  registrationId: number | undefined;
  /** `<keys>` (from the second request on, or when asked to start over): a bundle to build a session from. */
  keys: PreKeyBundle | undefined;
}

/**
 * A fake party's `<receipt type="retry">` for a client copy it could not decrypt, shaped like
 * Baileys' `sendRetryRequest`: `<retry count id t v="1" error="0"/>`, the party's registration id
 * and, from the second request on, a prekey bundle in `<keys>` (type, identity, a fresh one-time
 * prekey, the signed prekey) so the client can start a session from it.
 */
export function retryRequestNode(opts: {
  from: string;
  participant: string;
  id: string;
  t: string | undefined;
  count: number;
  party: SignalParty;
}): BinaryNode {
  const { party, count } = opts;
  const content: BinaryNode[] = [
    node('retry', { count: count.toString(), id: opts.id, t: opts.t, v: '1', error: '0' }),
    node('registration', {}, uintBytes(party.registrationId, 4)),
  ];
  if (count > 1) {
    const b = party.takeBundle();
    content.push(
      node('keys', {}, [
        node('type', {}, Buffer.from([5])),
        node('identity', {}, b.identityKey),
        node('key', {}, [node('id', {}, uintBytes(b.preKey!.keyId, 3)), node('value', {}, b.preKey!.publicKey)]),
        node('skey', {}, [
          node('id', {}, uintBytes(b.signedPreKey.keyId, 3)),
          node('value', {}, b.signedPreKey.publicKey),
          node('signature', {}, b.signedPreKey.signature),
        ]),
      ]),
    );
  }
  return node('receipt', { from: opts.from, participant: opts.participant, id: opts.id, t: unixNow(), type: 'retry' }, content);
}

/** Reads a `<receipt type="retry">`. */
export function parseRetryRequest(receipt: BinaryNode): RetryRequest {
  const retry = child(receipt, 'retry');
  const registrationId = childUInt(receipt, 'registration');
  const keys = child(receipt, 'keys');
  let bundle: PreKeyBundle | undefined;
  const identity = childBytes(keys, 'identity');
  const skey = child(keys, 'skey');
  const skeyId = childUInt(skey, 'id');
  const skeyValue = childBytes(skey, 'value');
  const skeySig = childBytes(skey, 'signature');
  if (keys && identity && skeyId !== undefined && skeyValue && skeySig && registrationId !== undefined) {
    const key = child(keys, 'key');
    const keyId = childUInt(key, 'id');
    const keyValue = childBytes(key, 'value');
    bundle = {
      registrationId,
      identityKey: identity,
      signedPreKey: { keyId: skeyId, publicKey: skeyValue, signature: skeySig },
      preKey: keyId !== undefined && keyValue ? { keyId, publicKey: keyValue } : undefined,
    };
  }
  return { count: Number(retry?.attrs.count ?? 1) || 1, registrationId, keys: bundle };
}

interface Common {
  id: string;
  device: CompanionDevice;
  sender: PartySender;
  held: boolean;
  /** Stanza attrs (without `offline`). */
  attrs: Record<string, string | undefined>;
  /** The message as the sender wrote it (for `<enc>` kind attrs). */
  message: proto.IMessage;
  onRetry: (record: RetryRecord) => void;
}

function base(id: string, cls: DeliveryClass, held: boolean) {
  return { id, cls, held, deliveredTo: new Set<number>(), retries: 0, replacedOn: undefined };
}

/**
 * Starts a new session with the device for a retry, as Baileys' `sendMessagesAgain` does: from
 * the receipt's bundle if it carries one (`injectE2ESession`); otherwise, if the receipt's
 * registration id differs from the session's, the session is stale and deleted, and a fresh
 * bundle comes from the server (`assertSessions(…, force)`). The old session is closed, not
 * deleted, unless stale: a message the device already encrypted on it still decrypts.
 */
async function newSessionForRetry(
  sender: PartySender,
  device: CompanionDevice,
  request: RetryRequest,
  id: string,
  onRetry: (record: RetryRecord) => void,
): Promise<void> {
  const addr = companionAddress(device.account, device.deviceId);
  const sessionRegistrationId = await sender.party.sessionRegistrationId(addr);
  const registrationMatched =
    sessionRegistrationId === undefined || request.registrationId === undefined ? undefined : sessionRegistrationId === request.registrationId;
  if (!request.keys && registrationMatched === false) sender.party.forgetSession(addr);
  await sender.party.startSession(addr, request.keys ?? takeCompanionBundle(device));
  onRetry({
    id,
    device: device.account.deviceJid(device.deviceId),
    count: request.count,
    registrationId: request.registrationId,
    registrationMatched,
    bundleFrom: request.keys ? 'receipt' : 'server',
    at: Date.now(),
  });
}

async function encryptFor(sender: PartySender, device: CompanionDevice, content: proto.IMessage) {
  return sender.party.encrypt(companionAddress(device.account, device.deviceId), encodeMessage(content), () => takeCompanionBundle(device));
}

function encNode(enc: { type: EncType | string; ciphertext: Buffer }, extra: Record<string, string | undefined>): BinaryNode {
  return node('enc', { v: '2', type: enc.type, ...extra }, enc.ciphertext);
}

/**
 * A message a fake party encrypts pairwise for one companion device: a contact's message, or the
 * owner's phone's copy of what it sent (`content` is then the `deviceSentMessage` wrapper).
 */
export function pairwiseDelivery(o: Common & { content: proto.IMessage }): Delivery {
  let enc: { type: EncType; ciphertext: Buffer } | undefined;
  let count: string | undefined;
  return {
    ...base(o.id, 'message', o.held),
    async stanza(offline) {
      enc ??= await encryptFor(o.sender, o.device, o.content);
      return node('message', { ...o.attrs, offline: offline ? '1' : undefined }, [encNode(enc, { count, ...encKindAttrs(o.message) })]);
    },
    async retry(receipt) {
      const request = parseRetryRequest(receipt);
      await newSessionForRetry(o.sender, o.device, request, o.id, o.onRetry);
      enc = await encryptFor(o.sender, o.device, o.content);
      count = String(request.count);
      return 'rewrite';
    },
  };
}

/**
 * A group message from a fake party to one companion device: the `skmsg` every member gets, plus
 * the sender's key pairwise (`skdm`) if this device has not had it yet. A retry sends the message
 * pairwise instead, with the sender's current key inside, as Baileys' retry resend does.
 */
export function groupDelivery(
  o: Common & { group: string; skmsg: Buffer; skdm: Buffer | undefined },
): Delivery {
  let keyEnc: { type: EncType; ciphertext: Buffer } | undefined;
  let resend: { type: EncType; ciphertext: Buffer; count: string } | undefined;
  return {
    ...base(o.id, 'message', o.held),
    async stanza(offline) {
      const attrs = { ...o.attrs, offline: offline ? '1' : undefined };
      if (resend) {
        return node('message', attrs, [encNode(resend, { count: resend.count, ...encKindAttrs(o.message) })]);
      }
      const content: BinaryNode[] = [];
      if (o.skdm) {
        keyEnc ??= await encryptFor(o.sender, o.device, {
          senderKeyDistributionMessage: { groupId: o.group, axolotlSenderKeyDistributionMessage: o.skdm },
        });
        content.push(encNode(keyEnc, {}));
      }
      content.push(node('enc', { v: '2', type: 'skmsg', ...encKindAttrs(o.message) }, o.skmsg));
      return node('message', attrs, content);
    },
    async retry(receipt) {
      const request = parseRetryRequest(receipt);
      await newSessionForRetry(o.sender, o.device, request, o.id, o.onRetry);
      const skdm = await o.sender.party.groupSkdm(o.group);
      const withKey: proto.IMessage = {
        ...o.message,
        senderKeyDistributionMessage: { groupId: o.group, axolotlSenderKeyDistributionMessage: skdm },
      };
      resend = { ...(await encryptFor(o.sender, o.device, withKey)), count: String(request.count) };
      return 'rewrite';
    },
  };
}

/** A server stanza without encryption (a receipt from the owner's phone, a call), cleared by the client's ack. */
export function stanzaDelivery(o: { id: string; cls: 'receipt' | 'call'; held: boolean; node: BinaryNode }): Delivery {
  return {
    ...base(o.id, o.cls, o.held),
    async stanza(offline) {
      return { ...o.node, attrs: { ...o.node.attrs, ...(offline ? { offline: '1' } : {}) } };
    },
  };
}

/** Another account's client message, relayed as is (the server cannot decrypt it). */
export function relayedDelivery(o: {
  id: string;
  held: boolean;
  attrs: Record<string, string | undefined>;
  encs: { type: string; ciphertext: Buffer; count?: string; attrs?: Record<string, string> }[];
  /** A retry: pass the request to the sender (its resend replaces `encs` through `replace`). */
  forwardRetry: (receipt: BinaryNode) => void;
  written: (connectionId: number, offline: boolean, encType: string) => void;
}): Delivery & { replace(encs: { type: string; ciphertext: Buffer; count?: string }[]): void } {
  let encs = o.encs;
  const d = {
    ...base(o.id, 'message' as const, o.held),
    async stanza(offline: boolean) {
      return node(
        'message',
        { ...o.attrs, offline: offline ? '1' : undefined },
        encs.map((e) => node('enc', { v: '2', type: e.type, count: e.count, ...e.attrs }, e.ciphertext)),
      );
    },
    async retry(receipt: BinaryNode) {
      o.forwardRetry(receipt);
      return 'forwarded' as const;
    },
    written(connectionId: number, offline: boolean) {
      o.written(connectionId, offline, encs[0]?.type ?? '');
    },
    replace(next: { type: string; ciphertext: Buffer; count?: string }[]) {
      encs = next;
      d.deliveredTo.clear();
    },
  };
  return d;
}
