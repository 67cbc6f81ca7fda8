/**
 * A realistic trace of Baileys' signal-key updates, recorded from real Baileys code: every
 * `keys.set` a client makes while it answers 1:1 messages against the fake server (sessions,
 * pre-key deletions, identity keys, device lists, LID mappings, tokens) and while it takes part
 * in group chats through Baileys' own signal repository (sender keys of other members as their
 * messages are decrypted, its own sender key as it writes). The pairing burst (812 pre-keys
 * uploaded once per link) is left out: the trace is the steady state.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { addTransactionCapability, BufferJSON, type SignalDataSet, type SignalKeyStore } from '@whiskeysockets/baileys';
import { makeLibSignalRepository } from '@whiskeysockets/baileys/lib/Signal/libsignal.js';
import { connectClient, createMemoryAuth, type FakeWaServer, type MemoryAuth } from '../../test/fake-wa/index.js';
import { NO_HISTORY_SYNC } from '../clients/protocol.js';

/** One `keys.set` call as Baileys made it. */
export type KeyTrace = SignalDataSet[];

const logger = pino({ level: 'silent' });

export function countUpdates(trace: KeyTrace): number {
  let n = 0;
  for (const set of trace) for (const byId of Object.values(set)) n += Object.keys(byId ?? {}).length;
  return n;
}

export function countByType(trace: KeyTrace): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of trace) for (const [type, byId] of Object.entries(set)) out[type] = (out[type] ?? 0) + Object.keys(byId ?? {}).length;
  return out;
}

/** The first `n` key updates of the trace (the last call cut short if needed). */
export function firstUpdates(trace: KeyTrace, n: number): KeyTrace {
  const out: KeyTrace = [];
  let left = n;
  for (const set of trace) {
    if (left <= 0) break;
    const part: Record<string, Record<string, unknown>> = {};
    for (const [type, byId] of Object.entries(set)) {
      for (const [id, value] of Object.entries(byId ?? {})) {
        if (left <= 0) break;
        (part[type] ??= {})[id] = value;
        left--;
      }
    }
    if (Object.keys(part).length) out.push(part as SignalDataSet);
  }
  return out;
}

/** A copy that keeps Buffers as Buffers (Baileys' stores rely on it). */
function clone<T>(v: T): T {
  if (Buffer.isBuffer(v)) return Buffer.from(v) as T;
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

/** Wraps a key store so every `set` is also appended to `trace` (while `recording`). */
function recording(keys: SignalKeyStore, trace: KeyTrace, on: { recording: boolean }): SignalKeyStore {
  return {
    get: (type, ids) => keys.get(type, ids),
    set: (data) => {
      if (on.recording) trace.push(clone(data));
      return keys.set(data);
    },
  };
}

/**
 * Record at least `updates` key updates: rounds of one contact writing and the client
 * answering, plus group traffic (2 incoming group messages per round from 8 members in 5 groups,
 * and an own group message every 4th round).
 */
export async function recordTrace(server: FakeWaServer, updates: number): Promise<{ trace: KeyTrace; rounds: number }> {
  const trace: KeyTrace = [];
  const on = { recording: false };
  const base: MemoryAuth = createMemoryAuth();
  const auth: MemoryAuth = { ...base, state: { creds: base.creds, keys: recording(base.state.keys, trace, on) } };
  const account = server.createAccount({ name: 'Trace' });
  const reg = connectClient(server.url, auth, { ...NO_HISTORY_SYNC });
  await server.scanQr(await reg.nextQr(), account);
  await reg.closed;
  const client = connectClient(server.url, auth, { ...NO_HISTORY_SYNC });
  await client.opened;
  await new Promise((r) => setTimeout(r, 300)); // pre-key upload and init queries
  on.recording = true;

  const me = auth.creds.me!.id;
  const contacts = Array.from({ length: 30 }, (_, i) => server.createContact({ name: `Trace contact ${i}` }));
  const ours = makeLibSignalRepository(
    { creds: auth.creds, keys: addTransactionCapability(auth.state.keys, logger, { maxCommitRetries: 1, delayBetweenTriesMs: 10 }) },
    logger,
  );
  const groups = Array.from({ length: 5 }, (_, g) => `12036300000000${g}@g.us`);
  const members = Array.from({ length: 8 }, (_, m) => {
    const jid = `1555900${String(m).padStart(4, '0')}@s.whatsapp.net`;
    const mAuth = createMemoryAuth();
    const repo = makeLibSignalRepository(
      { creds: mAuth.creds, keys: addTransactionCapability(mAuth.state.keys, logger, { maxCommitRetries: 1, delayBetweenTriesMs: 10 }) },
      logger,
    );
    return { jid, repo, known: new Set<string>() };
  });

  let rounds = 0;
  while (countUpdates(trace) < updates) {
    const contact = contacts[rounds % contacts.length]!;
    const before = client.upserts.length;
    await contact.sendText(account, `message ${rounds}`);
    await server.waitFor(() => client.upserts.length > before, 10_000, 'inbound upsert');
    const received = contact.received.length;
    await client.sock.sendMessage(contact.phoneJid, { text: `answer ${rounds}` });
    await server.waitFor(() => contact.received.length > received, 10_000, 'reply delivered');

    for (let i = 0; i < 2; i++) {
      const group = groups[(rounds * 2 + i) % groups.length]!;
      const member = members[(rounds * 3 + i) % members.length]!;
      const { ciphertext, senderKeyDistributionMessage } = await member.repo.encryptGroupMessage({
        group,
        meId: member.jid,
        data: randomBytes(40 + (rounds % 60)),
      });
      if (!member.known.has(group)) {
        member.known.add(group);
        await ours.processSenderKeyDistributionMessage({
          item: { groupId: group, axolotlSenderKeyDistributionMessage: senderKeyDistributionMessage },
          authorJid: member.jid,
        });
      }
      await ours.decryptGroupMessage({ group, authorJid: member.jid, msg: ciphertext });
    }
    if (rounds % 4 === 0) {
      await ours.encryptGroupMessage({ group: groups[rounds % groups.length]!, meId: me, data: randomBytes(60) });
    }
    rounds++;
  }
  on.recording = false;
  client.end();
  return { trace: firstUpdates(trace, updates), rounds };
}

/**
 * The worst case for the store: the same calls (types, ids, batches), every value replaced by
 * random bytes, so nothing compresses and no update resembles the one before it. Each value is
 * 3/4 as many bytes as the original value's JSON: as base64 in useMultiFileAuthState's file it
 * takes about as much room as the original did.
 */
export function randomized(trace: KeyTrace): KeyTrace {
  return trace.map((set) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [type, byId] of Object.entries(set)) {
      for (const [id, value] of Object.entries(byId ?? {})) {
        (out[type] ??= {})[id] = value === null ? null : randomBytes(Math.max(16, Math.round((Buffer.byteLength(JSON.stringify(value, BufferJSON.replacer)) * 3) / 4)));
      }
    }
    return out as SignalDataSet;
  });
}
