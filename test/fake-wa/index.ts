/**
 * Public API of the fake WhatsApp server for tests. See README.md.
 */
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import type { FakeWaServer } from './server.js';

export { FakeWaServer } from './server.js';
export type { FakeWaServerOptions, CreateAccountOptions, CreateGroupOptions, PairResult } from './server.js';
export { FakeContact, textOf } from './contact.js';
export type { SendTextOptions, ContactOptions, AutoReceipt, CallOptions } from './contact.js';
export { FakeGroup } from './group.js';
export type { GroupAddressing, GroupMember } from './group.js';
export { FakeOwnerPhone } from './owner-phone.js';
export type { PhoneSendOptions, ReadSelfOptions } from './owner-phone.js';
export { kinds } from './kinds.js';
export type { TargetKey } from './kinds.js';
export type { AccountInfo } from './directory.js';
export type { Faults, ConflictType, FaultName, RefuseOptions, DropOptions, RandomFaultOptions, ScheduledFault } from './faults.js';
export type {
  Recorder,
  ConnectionRecord,
  FrameRecord,
  ReceivedMessage,
  AckRecord,
  ClientReceiptRecord,
  UnknownIqRecord,
  ClientStanzaRecord,
  DuplicateSendRecord,
  CrossAccountRecord,
  RetryRecord,
} from './record.js';
export { parseQr } from './pairing/phone.js';
export { createMemoryAuth, connectClient } from './client.js';
export type { MemoryAuth, TestClient, CloseInfo } from './client.js';

/**
 * Test-only: makes Baileys trust the fake server's certificate chain by replacing
 * `WA_CERT_DETAILS.PUBLIC_KEY` (a mutable export) with the test CA key. Every FakeWaServer in the
 * process shares that CA. Returns a function that restores the real key.
 */
export function installFakeCa(server: Pick<FakeWaServer, 'caPublicKey'>): () => void {
  const previous = WA_CERT_DETAILS.PUBLIC_KEY;
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(server.caPublicKey);
  return () => {
    WA_CERT_DETAILS.PUBLIC_KEY = previous;
  };
}
