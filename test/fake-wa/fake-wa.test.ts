/**
 * Drives the real, unmodified Baileys 7 client against the fake server and checks each behaviour
 * the rest of the test suite relies on: QR rotation, pairing, login, messages both ways, acks,
 * offline delivery, and the close code each fault produces.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryAuth, type FakeWaServer, type TestClient } from './index.js';
import { textOfUpsert, useFakeWa } from './test-harness.js';

const wa = useFakeWa();
const { client, pairAndLogin } = wa;
let server: FakeWaServer;

async function start(opts: Parameters<typeof wa.start>[0] = {}): Promise<FakeWaServer> {
  server = await wa.start(opts);
  return server;
}

describe('pairing and login', () => {
  it('pairs by QR, restarts with 515, logs in fast with saved creds', async () => {
    await start();
    const { auth, c, pairMs, loginMs } = await pairAndLogin();
    console.log(`pair (scan → 515) ${pairMs} ms, login (new socket → open) ${loginMs} ms`);
    expect(auth.creds.me?.id).toBe(`${server.defaultAccount.phoneNumber}:1@s.whatsapp.net`);
    expect(auth.creds.me?.lid).toBe(`${server.defaultAccount.lidUser}:1@lid`);
    expect(c.qrs).toEqual([]);
    // Typically ~40 ms and ~250 ms (Baileys generating 812 prekeys); bounds leave room for a loaded CI box.
    expect(pairMs).toBeLessThan(1000);
    expect(loginMs).toBeLessThan(1500);
    await server.waitFor(() => server.record.connections.some((r) => r.readyAt !== undefined));
    expect(server.record.connections.map((r) => [r.kind, r.closedReason])).toEqual([
      ['registration', 'stream:error 515'],
      ['login', undefined],
    ]);
  });

  it('logs in again with saved creds: no QR, no upload (server has prekeys), open fast', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    c.end();
    await c.closed;
    const again = client(auth);
    const openAt = await again.opened;
    console.log(`re-login (new socket → open) ${openAt - again.startedAt} ms`);
    expect(openAt - again.startedAt).toBeLessThan(1000);
    expect(again.qrs).toEqual([]);
    const last = server.record.connections.at(-1)!;
    expect(last.kind).toBe('login');
    expect(last.frames.some((f) => f.dir === 'in' && f.child === 'registration')).toBe(false);
  });
});

describe('messages', () => {
  it('contact → client: messages.upsert with the text and id', async () => {
    await start();
    const { c } = await pairAndLogin();
    const alice = server.createContact({ name: 'Alice' });
    const id = await alice.sendText(server.defaultAccount, 'hello from alice', { id: 'ALICE1' });
    expect(id).toBe('ALICE1');
    await server.waitFor(() => c.upserts.length > 0, 5000, 'upsert');
    const [{ type, message }] = c.upserts;
    expect(type).toBe('notify');
    expect(message.key.id).toBe('ALICE1');
    expect(message.key.remoteJid).toBe(alice.phoneJid);
    expect(message.key.fromMe).toBe(false);
    expect(message.message?.conversation).toBe('hello from alice');
    expect(message.pushName).toBe('Alice');
    // The client's receipt clears the server queue.
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipt');
  });

  it('client → contact: contact decrypts the exact text and id; server acks', async () => {
    await start();
    const { c } = await pairAndLogin();
    const bob = server.createContact({ name: 'Bob' });
    const acks: string[] = [];
    c.sock.ws.on('CB:ack,class:message', (n: { attrs: { id: string } }) => acks.push(n.attrs.id));
    const sent = await c.sock.sendMessage(bob.phoneJid, { text: 'pong' }, { messageId: 'ABC' });
    expect(sent?.key.id).toBe('ABC');
    await server.waitFor(() => bob.received.length === 1 && acks.includes('ABC'), 5000, 'received + acked');
    expect(bob.received[0]).toMatchObject({ id: 'ABC', text: 'pong' });
    expect(server.record.messagesTo(bob)).toHaveLength(1);
    // The own phone got its deviceSentMessage copy too.
    expect(server.record.messagesTo(server.defaultAccount.phoneJid).map((m) => m.text)).toEqual(['pong']);
    // Second send reuses the session (no usync / key fetch needed).
    await c.sock.sendMessage(bob.phoneJid, { text: 'again' }, { messageId: 'ABD' });
    await server.waitFor(() => bob.received.length === 2, 5000, 'second');
    expect(bob.texts()).toEqual(['pong', 'again']);
    expect(server.record.decryptErrors).toEqual([]);
  });

  it('conversation both ways with the same contact', async () => {
    await start();
    const { c } = await pairAndLogin();
    const carol = server.createContact({ name: 'Carol' });
    await carol.sendText(server.defaultAccount, 'hi 1');
    await server.waitFor(() => c.upserts.length === 1);
    await c.sock.sendMessage(carol.phoneJid, { text: 'reply 1' });
    await server.waitFor(() => carol.received.length === 1);
    await carol.sendText(server.defaultAccount, 'hi 2');
    await server.waitFor(() => c.upserts.filter((u) => !u.message.key.fromMe).length === 2);
    await c.sock.sendMessage(carol.phoneJid, { text: 'reply 2' });
    await server.waitFor(() => carol.received.length === 2);
    expect(carol.texts()).toEqual(['reply 1', 'reply 2']);
    expect(c.upserts.filter((u) => !u.message.key.fromMe).map((u) => u.message.message?.conversation)).toEqual([
      'hi 1',
      'hi 2',
    ]);
    expect(server.record.decryptErrors).toEqual([]);
  });
});

describe('QR', () => {
  it('rotates through N refs per qrTimeout, then Baileys gives up with 408', async () => {
    await start({ refs: 3 });
    const c = client(createMemoryAuth(), { qrTimeout: 150 });
    const closed = await c.closed;
    expect(c.qrs).toHaveLength(3);
    expect(new Set(c.qrs).size).toBe(3);
    expect(closed).toMatchObject({ statusCode: 408, message: 'QR refs attempts ended' });
  });

  it('a rotated QR still pairs (any ref of the live connection)', async () => {
    await start({ refs: 2 });
    const auth = createMemoryAuth();
    const c = client(auth, { qrTimeout: 200 });
    await c.nextQr();
    const second = await c.nextQr();
    await server.scanQr(second);
    expect((await c.closed).statusCode).toBe(515);
    const again = client(auth);
    await again.opened;
  });
});

describe('accounts', () => {
  it('pairs two clients to two accounts and keeps their messages apart', async () => {
    await start();
    const a = server.createAccount({ name: 'A' });
    const b = server.createAccount({ name: 'B' });
    const one = await pairAndLogin(a);
    const two = await pairAndLogin(b);
    expect(one.auth.creds.me?.id.startsWith(a.phoneNumber)).toBe(true);
    expect(two.auth.creds.me?.id.startsWith(b.phoneNumber)).toBe(true);
    const dave = server.createContact({ name: 'Dave' });
    await dave.sendText(a, 'for A');
    await dave.sendText(b, 'for B');
    await server.waitFor(() => one.c.upserts.length === 1 && two.c.upserts.length === 1);
    expect(one.c.upserts[0]!.message.message?.conversation).toBe('for A');
    expect(two.c.upserts[0]!.message.message?.conversation).toBe('for B');
    await two.c.sock.sendMessage(dave.phoneJid, { text: 'from B' }, { messageId: 'FROMB' });
    await server.waitFor(() => dave.received.length === 1);
    expect(dave.received[0]).toMatchObject({ id: 'FROMB', from: `${b.phoneNumber}:1@s.whatsapp.net` });
  });

  it('relinks a client to a different account (fresh creds, new QR)', async () => {
    await start();
    const first = await pairAndLogin();
    first.c.end();
    await first.c.closed;
    const other = server.createAccount({ name: 'Other' });
    const second = await pairAndLogin(other);
    expect(second.auth.creds.me?.id).toBe(`${other.phoneNumber}:1@s.whatsapp.net`);
    const erin = server.createContact({ name: 'Erin' });
    await erin.sendText(other, 'to the new account');
    await server.waitFor(() => second.c.upserts.length === 1);
  });

  it('rejects a login whose device the phone unlinked (401), and the live link gets 401 too', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    server.unlinkDevice(server.defaultAccount);
    expect((await c.closed).statusCode).toBe(401);
    const again = client(auth);
    expect((await again.closed).statusCode).toBe(401);
  });

  it('rejects a login with a wrong noise key (401)', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    c.end();
    await c.closed;
    const forged = createMemoryAuth();
    forged.creds.me = auth.creds.me;
    const bad = client(forged);
    expect((await bad.closed)).toMatchObject({ statusCode: 401, message: 'Connection Failure' });
  });

  it('a second login of the same device replaces the first (440)', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    const twin = client(auth);
    await twin.opened;
    expect((await c.closed)).toMatchObject({ statusCode: 440, message: 'Stream Errored (conflict)' });
  });
});

describe('offline delivery', () => {
  it('queues messages while the account is offline and delivers them on login before the end marker', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    c.end();
    await c.closed;
    const frank = server.createContact({ name: 'Frank' });
    await frank.sendText(server.defaultAccount, 'while you were away 1', { id: 'OFF1' });
    await frank.sendText(server.defaultAccount, 'while you were away 2', { id: 'OFF2' });
    expect(server.pendingDeliveries().map((p) => p.id)).toEqual(['OFF1', 'OFF2']);
    const back = client(auth);
    await back.opened;
    await server.waitFor(() => back.upserts.length === 2, 5000, 'offline upserts');
    // Baileys reports offline stanzas as type 'append'.
    expect(back.upserts.map((u) => [u.type, u.message.key.id, u.message.message?.conversation])).toEqual([
      ['append', 'OFF1', 'while you were away 1'],
      ['append', 'OFF2', 'while you were away 2'],
    ]);
    const conn = server.record.connections.at(-1)!;
    const out = conn.frames.filter((f) => f.dir === 'out');
    const firstOffline = out.findIndex((f) => f.tag === 'message');
    const marker = out.findIndex((f) => f.tag === 'ib' && f.child === 'offline');
    expect(firstOffline).toBeGreaterThan(-1);
    expect(marker).toBeGreaterThan(firstOffline);
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'receipts');
  });

  it('`offline: true` holds a message for the next login even while connected', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    const gina = server.createContact({ name: 'Gina' });
    await gina.sendText(server.defaultAccount, 'held', { offline: true, id: 'HELD' });
    await new Promise((r) => setTimeout(r, 200));
    expect(c.upserts).toHaveLength(0);
    c.end();
    await c.closed;
    const back = client(auth);
    await server.waitFor(() => back.upserts.length === 1);
    expect(back.upserts[0]!.message.key.id).toBe('HELD');
  });

  it('redelivers a message whose receipt never reached the server, as offline on the next login', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    const hank = server.createContact({ name: 'Hank' });
    // The client decrypts and sends its receipt, but the link drops before the server sees it.
    server.faults.whenFrame((f) => f.tag === 'receipt', 'terminateSocket', { swallow: true });
    await hank.sendText(server.defaultAccount, 'maybe twice', { id: 'TWICE' });
    expect((await c.closed).statusCode).toBe(428);
    expect(c.upserts.map((u) => u.message.key.id)).toEqual(['TWICE']);
    expect(server.pendingDeliveries().map((p) => p.id)).toEqual(['TWICE']);
    const back = client(auth);
    await back.opened;
    // Same ciphertext again: Baileys already used that key, so it nacks the copy (487) instead of
    // emitting it a second time; the server then drops it, like the real one.
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'queue drained');
    const redelivered = server.record.connections.at(-1)!.frames.filter((f) => f.dir === 'out' && f.tag === 'message');
    expect(redelivered.map((f) => [f.attrs.id, f.attrs.offline])).toEqual([['TWICE', '1']]);
    const nack = server.record.connections.at(-1)!.frames.find((f) => f.dir === 'in' && f.tag === 'ack');
    expect(nack?.attrs).toMatchObject({ id: 'TWICE', class: 'message', error: '487' });
    expect(back.upserts).toHaveLength(0);
  });
});

describe('faults → Baileys close codes', () => {
  const cases: [string, () => void, number, string][] = [
    ['conflict replaced', () => server.faults.conflict('replaced'), 440, 'Stream Errored (conflict)'],
    ['conflict device_removed (no code)', () => server.faults.conflict('device_removed'), 440, 'Stream Errored (conflict)'],
    ['conflict device_removed code 401', () => server.faults.conflict('device_removed', { code: 401 }), 401, 'Stream Errored (conflict)'],
    ['failure 401', () => server.faults.failure(401), 401, 'Connection Failure'],
    ['failure 403', () => server.faults.failure(403), 403, 'Connection Failure'],
    ['stream:error 515', () => server.faults.streamError(515), 515, 'Stream Errored (restart required)'],
    ['stream:error 503', () => server.faults.streamError(503), 503, 'Stream Errored (unknown)'],
    ['clean close', () => server.faults.closeSocket(), 428, 'Connection Terminated'],
    ['TCP reset', () => server.faults.terminateSocket(), 428, 'Connection Terminated'],
  ];
  for (const [name, fault, code, message] of cases) {
    it(`${name} → ${code}`, async () => {
      await start();
      const { c } = await pairAndLogin();
      const faultAt = Date.now();
      fault();
      const closed = await c.closed;
      expect(closed).toMatchObject({ statusCode: code, message });
      expect(closed.at - faultAt).toBeLessThan(1000);
    });
  }

  it('goSilent → 408 "Connection was lost" after keepAlive + 5 s', async () => {
    await start();
    const auth = (await pairAndLogin()).auth;
    wa.endAll();
    const c = client(auth, { keepAliveIntervalMs: 500 });
    await c.opened;
    const silentAt = Date.now();
    server.faults.goSilent(true);
    const closed = await c.closed;
    expect(closed).toMatchObject({ statusCode: 408, message: 'Connection was lost' });
    const after = closed.at - silentAt;
    expect(after).toBeGreaterThan(4000);
    expect(after).toBeLessThan(9000);
    // Pings kept arriving and went unanswered.
    expect(server.record.framesIn('iq', 'ping').length).toBeGreaterThan(3);
  }, 20_000);

  it('goSilent before the handshake → 408 Timed Out after connectTimeoutMs', async () => {
    await start();
    const auth = (await pairAndLogin()).auth;
    server.faults.goSilent(true);
    const c = client(auth, { connectTimeoutMs: 1000 });
    expect(await c.closed).toMatchObject({ statusCode: 408 });
  });

  it('refuseConnections({ count }) resets upgrades, then lets the next one in', async () => {
    await start();
    const auth = (await pairAndLogin()).auth;
    server.faults.refuseConnections({ count: 1 });
    const refused = client(auth);
    const closed = await refused.closed;
    expect(closed).toMatchObject({ statusCode: 408, message: 'WebSocket Error (socket hang up)' });
    expect(server.record.connections.filter((r) => r.kind === 'refused')).toHaveLength(1);
    await client(auth).opened;
  });

  it('refuseConnections({ forMs }) refuses until the time is up', async () => {
    await start();
    const auth = (await pairAndLogin()).auth;
    server.faults.refuseConnections({ forMs: 300 });
    expect((await client(auth).closed).statusCode).toBe(408);
    await new Promise((r) => setTimeout(r, 350));
    await client(auth).opened;
  });

  it('conflictOnEveryConnection → every new login closes with 440', async () => {
    await start();
    const auth = (await pairAndLogin()).auth;
    wa.endAll();
    server.faults.conflictOnEveryConnection(true);
    expect((await client(auth).closed).statusCode).toBe(440);
    expect((await client(auth).closed).statusCode).toBe(440);
    server.faults.conflictOnEveryConnection(false);
    await client(auth).opened;
  });

  it('faults can target one account and leave another alone', async () => {
    await start();
    const a = server.createAccount({ name: 'A' });
    const b = server.createAccount({ name: 'B' });
    const one = await pairAndLogin(a);
    const two = await pairAndLogin(b);
    expect(server.faults.closeSocket(a)).toBe(1);
    expect((await one.c.closed).statusCode).toBe(428);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.liveConnections(b)).toHaveLength(1);
    two.c.end();
  });

  it('atRandom runs one fault at a random time in the window', async () => {
    await start();
    const { c } = await pairAndLogin();
    let n = 0;
    const scheduled = server.faults.atRandom({ withinMs: [50, 150], faults: ['terminateSocket'], random: () => (n++ ? 0 : 0.5) });
    expect(await scheduled.fired).toBe('terminateSocket');
    expect((await c.closed).statusCode).toBe(428);
  });
});

describe('ack faults', () => {
  it('withholdAcks: the contact gets the message, the client never gets an ack', async () => {
    await start();
    const { c } = await pairAndLogin();
    const ivy = server.createContact({ name: 'Ivy' });
    const acks: string[] = [];
    c.sock.ws.on('CB:ack,class:message', (n: { attrs: { id: string } }) => acks.push(n.attrs.id));
    server.faults.withholdAcks(true);
    await c.sock.sendMessage(ivy.phoneJid, { text: 'no ack' }, { messageId: 'NOACK' });
    await server.waitFor(() => ivy.received.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(acks).toEqual([]);
    expect(server.record.acks).toMatchObject([{ id: 'NOACK', outcome: 'withheld' }]);
    server.faults.withholdAcks(false);
    await c.sock.sendMessage(ivy.phoneJid, { text: 'acked' }, { messageId: 'ACKED' });
    await server.waitFor(() => acks.includes('ACKED'));
  });

  it('delayAcks delays the ack by the given time', async () => {
    await start();
    const { c } = await pairAndLogin();
    const jay = server.createContact({ name: 'Jay' });
    let ackAt = 0;
    c.sock.ws.on('CB:ack,class:message', () => (ackAt = Date.now()));
    server.faults.delayAcks(400);
    await c.sock.sendMessage(jay.phoneJid, { text: 'slow ack' });
    const resolvedAt = Date.now();
    await server.waitFor(() => ackAt > 0, 3000);
    const receivedAt = server.record.clientMessages[0]!.at;
    expect(server.record.acks[0]!.at - receivedAt).toBeGreaterThanOrEqual(395);
    // sendMessage resolves on write, before the ack.
    expect(ackAt).toBeGreaterThan(resolvedAt);
  });

  it('dropAfterNextMessage without dedupe: delivered, never acked, link reset (428); a resend with the same id is a second copy', async () => {
    await start({ dedupeClientMessages: false });
    const { auth, c } = await pairAndLogin();
    const kim = server.createContact({ name: 'Kim' });
    const acks: string[] = [];
    c.sock.ws.on('CB:ack,class:message', (n: { attrs: { id: string } }) => acks.push(n.attrs.id));
    server.faults.dropAfterNextMessage();
    await c.sock.sendMessage(kim.phoneJid, { text: 'once?' }, { messageId: 'ONCE' });
    expect((await c.closed).statusCode).toBe(428);
    expect(acks).toEqual([]);
    expect(kim.received.map((m) => m.id)).toEqual(['ONCE']);
    const back = client(auth);
    await back.opened;
    await back.sock.sendMessage(kim.phoneJid, { text: 'once?' }, { messageId: 'ONCE' });
    await server.waitFor(() => kim.received.length === 2);
    expect(server.record.messagesWithId('ONCE').filter((m) => m.to === kim.phoneJid)).toHaveLength(2);
    expect(server.record.duplicateSends).toEqual([]);
  });

  it('dropAfterNextMessage (dedupe on, the default): the resend is acked but not delivered again', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    const kim = server.createContact({ name: 'Kim' });
    server.faults.dropAfterNextMessage();
    await c.sock.sendMessage(kim.phoneJid, { text: 'once!' }, { messageId: 'ONCE' });
    expect((await c.closed).statusCode).toBe(428);
    expect(kim.received.map((m) => m.id)).toEqual(['ONCE']);
    const back = client(auth);
    await back.opened;
    const acks: string[] = [];
    back.sock.ws.on('CB:ack,class:message', (n: { attrs: { id: string } }) => acks.push(n.attrs.id));
    await back.sock.sendMessage(kim.phoneJid, { text: 'once!' }, { messageId: 'ONCE' });
    await server.waitFor(() => acks.includes('ONCE'), 5000, 'ack of the resend');
    // Both stanzas are listed; each recipient (Kim and the own phone) decrypted the id once.
    expect(server.record.clientMessages.map((m) => m.id)).toEqual(['ONCE', 'ONCE']);
    expect(kim.received.map((m) => m.id)).toEqual(['ONCE']);
    expect(server.record.messagesWithId('ONCE').map((m) => m.to).sort()).toEqual(
      [kim.phoneJid, server.defaultAccount.phoneJid].sort(),
    );
    const backId = server.record.connections.at(-1)!.id;
    expect(server.record.duplicateSends.map((d) => [d.id, d.to, d.chat, d.connectionId]).sort()).toEqual(
      [
        ['ONCE', kim.phoneJid, kim.phoneJid, backId],
        ['ONCE', server.defaultAccount.phoneJid, kim.phoneJid, backId],
      ].sort(),
    );
    // A new id in the same chat, and the same id in another chat, are delivered.
    await back.sock.sendMessage(kim.phoneJid, { text: 'next' }, { messageId: 'NEXT' });
    const lou = server.createContact({ name: 'Lou' });
    await back.sock.sendMessage(lou.phoneJid, { text: 'same id, other chat' }, { messageId: 'ONCE' });
    await server.waitFor(() => kim.received.length === 2 && lou.received.length === 1, 5000, 'new sends');
    expect(server.record.duplicateSends).toHaveLength(2);
  });

  it('dedupe is per sender account: two accounts may use the same id for the same contact', async () => {
    await start();
    const a = server.createAccount({ name: 'A' });
    const one = await pairAndLogin(a);
    const two = await pairAndLogin();
    const max = server.createContact({ name: 'Max' });
    await one.c.sock.sendMessage(max.phoneJid, { text: 'from A' }, { messageId: 'SAME' });
    await two.c.sock.sendMessage(max.phoneJid, { text: 'from Me' }, { messageId: 'SAME' });
    await server.waitFor(() => max.received.length === 2, 5000, 'both copies');
    expect(max.texts().sort()).toEqual(['from A', 'from Me']);
    expect(server.record.duplicateSends).toEqual([]);
  });

  it('dropAfterNextMessage({ deliver: false }): lost before delivery', async () => {
    await start();
    const { c } = await pairAndLogin();
    const lee = server.createContact({ name: 'Lee' });
    server.faults.dropAfterNextMessage(undefined, { deliver: false, how: 'close' });
    await c.sock.sendMessage(lee.phoneJid, { text: 'lost' }, { messageId: 'LOST' });
    expect((await c.closed).statusCode).toBe(428);
    expect(lee.received).toEqual([]);
    expect(server.record.clientMessages.map((m) => m.id)).toEqual(['LOST']);
  });
});

describe('receipts from clients', () => {
  it('markOnlineOnConnect + named account: plain delivery receipt; otherwise type="inactive"', async () => {
    await start();
    const named = await pairAndLogin(undefined, { markOnlineOnConnect: true });
    const unnamedAccount = server.createAccount();
    const unnamed = await pairAndLogin(unnamedAccount, { markOnlineOnConnect: true });
    const quietAccount = server.createAccount({ name: 'Quiet' });
    const quiet = await pairAndLogin(quietAccount);
    const olga = server.createContact({ name: 'Olga' });
    await olga.sendText(server.defaultAccount, 'to named', { id: 'NAMED' });
    await olga.sendText(unnamedAccount, 'to unnamed', { id: 'UNNAMED' });
    await olga.sendText(quietAccount, 'to quiet', { id: 'QUIET' });
    await server.waitFor(() => server.record.clientReceipts.length >= 3);
    const types = Object.fromEntries(server.record.clientReceipts.map((r) => [r.id, r.type ?? 'delivered']));
    expect(types).toEqual({ NAMED: 'delivered', UNNAMED: 'inactive', QUIET: 'inactive' });
    expect(quiet.c.upserts).toHaveLength(1);
    expect(named.c.upserts).toHaveLength(1);
    expect(unnamed.c.upserts).toHaveLength(1);
  });
});

describe('receipts from contacts', () => {
  it('autoReceipt delivered → Baileys marks the message DELIVERY_ACK', async () => {
    await start();
    const { c } = await pairAndLogin();
    const mo = server.createContact({ name: 'Mo', autoReceipt: 'delivered' });
    const statuses: number[] = [];
    c.sock.ev.on('messages.update', (updates) => {
      for (const u of updates) if (u.key.id === 'RCPT' && typeof u.update.status === 'number') statuses.push(u.update.status);
    });
    await c.sock.sendMessage(mo.phoneJid, { text: 'track me' }, { messageId: 'RCPT' });
    await server.waitFor(() => statuses.includes(3) || c.upserts.some((u) => u.message.key.id === 'RCPT' && u.message.status === 3), 3000);
  });
});

describe('retry receipts', () => {
  it('a client that lost its session asks for a retry; the contact re-sends a fresh pkmsg', async () => {
    await start();
    const { auth, c } = await pairAndLogin();
    const ned = server.createContact({ name: 'Ned' });
    await ned.sendText(server.defaultAccount, 'first', { id: 'R1' });
    await server.waitFor(() => c.upserts.length === 1);
    await c.sock.sendMessage(ned.phoneJid, { text: 'ok' });
    await server.waitFor(() => ned.received.length === 1);
    // Wipe the client's Signal sessions: the contact's next `msg` cannot be decrypted.
    for (const key of [...auth.data.keys()]) if (key.startsWith('session:')) auth.data.delete(key);
    await ned.sendText(server.defaultAccount, 'second', { id: 'R2' });
    await server.waitFor(
      () => c.upserts.some((u) => u.message.key.id === 'R2' && u.message.message?.conversation === 'second'),
      5000,
      'retried message decrypted',
    );
    expect(server.record.clientReceipts.some((r) => r.id === 'R2' && r.type === 'retry')).toBe(true);
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5000, 'queue drained');
  });
});

describe('cross-account messages', () => {
  const inbound = (c: TestClient) => c.upserts.filter((u) => !u.message.key.fromMe);

  async function twoAccounts() {
    await start();
    const a = server.createAccount({ name: 'Ann' });
    const b = server.createAccount({ name: 'Ben' });
    const A = await pairAndLogin(a);
    const B = await pairAndLogin(b);
    return { a, b, A, B };
  }

  it('A → B and back: Baileys decrypts on both sides (pkmsg, then msg), pushName and remoteJid', async () => {
    const { a, b, A, B } = await twoAccounts();
    const statuses: number[] = [];
    A.c.sock.ev.on('messages.update', (updates) => {
      for (const u of updates) if (u.key.id === 'PING1' && typeof u.update.status === 'number') statuses.push(u.update.status);
    });
    A.c.sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) if (m.key.id === 'PING1' && typeof m.status === 'number') statuses.push(m.status);
    });
    await A.c.sock.sendMessage(b.phoneJid, { text: 'ping' }, { messageId: 'PING1' });
    await server.waitFor(() => inbound(B.c).length === 1, 5000, 'B gets ping');
    const [ping] = inbound(B.c);
    expect(ping!.type).toBe('notify');
    expect(textOfUpsert(ping!)).toBe('ping');
    expect(ping!.message.key).toMatchObject({ id: 'PING1', remoteJid: a.phoneJid, fromMe: false });
    expect(ping!.message.pushName).toBe('Ann');
    // B's client sent a receipt: nothing stays queued, and A's client sees the message delivered.
    await server.waitFor(() => server.pendingDeliveries(b).length === 0, 5000, 'B receipt');
    await server.waitFor(() => statuses.includes(3), 5000, 'A sees DELIVERY_ACK');
    // B reads it: A sees READ.
    await B.c.sock.readMessages([ping!.message.key]);
    await server.waitFor(() => statuses.includes(4), 5000, 'A sees READ');
    // The server relayed one stanza to B's companion; B's phone (device 0) decrypted its own copy.
    expect(server.record.crossAccountTo(b)).toMatchObject([
      { id: 'PING1', from: `${a.phoneNumber}:1@s.whatsapp.net`, to: `${b.phoneNumber}:1@s.whatsapp.net`, chat: b.phoneJid, encType: 'pkmsg', offline: false },
    ]);
    expect(server.record.messagesTo(b).map((m) => [m.id, m.text])).toEqual([['PING1', 'ping']]);

    await B.c.sock.sendMessage(a.phoneJid, { text: 'pong' }, { messageId: 'PONG1' });
    await server.waitFor(() => inbound(A.c).length === 1, 5000, 'A gets pong');
    expect(textOfUpsert(inbound(A.c)[0]!)).toBe('pong');
    expect(inbound(A.c)[0]!.message.key).toMatchObject({ remoteJid: b.phoneJid, fromMe: false });
    expect(inbound(A.c)[0]!.message.pushName).toBe('Ben');

    for (let i = 2; i <= 4; i++) {
      await A.c.sock.sendMessage(b.phoneJid, { text: `ping ${i}` }, { messageId: `PING${i}` });
      await server.waitFor(() => inbound(B.c).length === i, 5000, `B gets ping ${i}`);
      await B.c.sock.sendMessage(a.phoneJid, { text: `pong ${i}` }, { messageId: `PONG${i}` });
      await server.waitFor(() => inbound(A.c).length === i, 5000, `A gets pong ${i}`);
    }
    expect(inbound(B.c).map(textOfUpsert)).toEqual(['ping', 'ping 2', 'ping 3', 'ping 4']);
    expect(inbound(A.c).map(textOfUpsert)).toEqual(['pong', 'pong 2', 'pong 3', 'pong 4']);
    expect(inbound(B.c).every((u) => u.type === 'notify' && u.message.key.remoteJid === a.phoneJid)).toBe(true);
    // Once both sides have heard from each other, the sessions are established: plain msg.
    expect(server.record.crossAccountTo(b).at(-1)!.encType).toBe('msg');
    expect(server.record.crossAccountTo(a).at(-1)!.encType).toBe('msg');
    expect(server.record.crossAccount).toHaveLength(8);
    expect(server.record.decryptErrors).toEqual([]);
    expect(server.record.duplicateSends).toEqual([]);
    expect(server.record.unknownIqs).toEqual([]);
  });

  it('A writes to B by LID: B sees remoteJid = A LID with remoteJidAlt = A PN', async () => {
    const { a, b, A, B } = await twoAccounts();
    await A.c.sock.sendMessage(b.lid, { text: 'by lid' }, { messageId: 'LID1' });
    await server.waitFor(() => inbound(B.c).length === 1, 5000, 'B gets it');
    const [m] = inbound(B.c);
    expect(textOfUpsert(m!)).toBe('by lid');
    expect(m!.message.key).toMatchObject({ id: 'LID1', remoteJid: a.lid, remoteJidAlt: a.phoneJid, fromMe: false });
    expect(server.record.crossAccountTo(b)[0]).toMatchObject({ id: 'LID1', chat: b.lid });
    await B.c.sock.sendMessage(a.lid, { text: 'lid back' }, { messageId: 'LID2' });
    await server.waitFor(() => inbound(A.c).length === 1, 5000, 'A gets the answer');
    expect(textOfUpsert(inbound(A.c)[0]!)).toBe('lid back');
  });

  it('B offline: A\'s message is queued and delivered at B\'s next login (offline → append)', async () => {
    const { a, b, A, B } = await twoAccounts();
    B.c.end();
    await B.c.closed;
    await A.c.sock.sendMessage(b.phoneJid, { text: 'while away' }, { messageId: 'AWAY' });
    await server.waitFor(() => server.pendingDeliveries(b).length === 1, 5000, 'queued for B');
    expect(server.pendingDeliveries(b)).toEqual([{ deviceId: 1, id: 'AWAY' }]);
    expect(server.record.crossAccount).toEqual([]);
    const back = client(B.auth);
    await back.opened;
    await server.waitFor(() => inbound(back).length === 1, 5000, 'delivered at login');
    expect(inbound(back)[0]).toMatchObject({ type: 'append' });
    expect(textOfUpsert(inbound(back)[0]!)).toBe('while away');
    expect(inbound(back)[0]!.message.key.remoteJid).toBe(a.phoneJid);
    expect(server.record.crossAccountTo(b)).toMatchObject([{ id: 'AWAY', offline: true }]);
    await server.waitFor(() => server.pendingDeliveries(b).length === 0, 5000, 'receipt');
    // The conversation goes on live.
    await back.sock.sendMessage(a.phoneJid, { text: 'back now' });
    await server.waitFor(() => inbound(A.c).length === 1, 5000, 'A gets the answer');
    expect(textOfUpsert(inbound(A.c)[0]!)).toBe('back now');
  });

  it('A resends the same id after a dropped ack: B receives it once', async () => {
    const { a, b, A, B } = await twoAccounts();
    server.faults.dropAfterNextMessage(a);
    await A.c.sock.sendMessage(b.phoneJid, { text: 'just once' }, { messageId: 'DUP1' });
    expect((await A.c.closed).statusCode).toBe(428);
    await server.waitFor(() => inbound(B.c).length === 1, 5000, 'first copy');
    const again = client(A.auth);
    await again.opened;
    const acks: string[] = [];
    again.sock.ws.on('CB:ack,class:message', (n: { attrs: { id: string } }) => acks.push(n.attrs.id));
    await again.sock.sendMessage(b.phoneJid, { text: 'just once' }, { messageId: 'DUP1' });
    await server.waitFor(() => acks.includes('DUP1'), 5000, 'resend acked');
    await new Promise((r) => setTimeout(r, 200));
    expect(inbound(B.c).map((u) => u.message.key.id)).toEqual(['DUP1']);
    expect(server.record.crossAccountTo(b).map((m) => m.id)).toEqual(['DUP1']);
    // B's phone and A's own phone decrypted their copies once; the resend's three copies were dropped.
    expect(server.record.messagesWithId('DUP1').map((m) => m.to).sort()).toEqual([a.phoneJid, b.phoneJid].sort());
    expect(server.record.duplicateSends.map((d) => d.to).sort()).toEqual(
      [a.phoneJid, b.phoneJid, `${b.phoneNumber}:1@s.whatsapp.net`].sort(),
    );
    expect(server.record.clientMessages.filter((m) => m.id === 'DUP1')).toHaveLength(2);
  });

  it('B lost its sessions: B asks A for a retry through the server, A re-sends, B decrypts', async () => {
    const { a, b, A, B } = await twoAccounts();
    await A.c.sock.sendMessage(b.phoneJid, { text: 'one' }, { messageId: 'RA1' });
    await server.waitFor(() => inbound(B.c).length === 1, 5000, 'first');
    await B.c.sock.sendMessage(a.phoneJid, { text: 'ok' });
    await server.waitFor(() => inbound(A.c).length === 1, 5000, 'answer');
    for (const key of [...B.auth.data.keys()]) if (key.startsWith('session:')) B.auth.data.delete(key);
    await A.c.sock.sendMessage(b.phoneJid, { text: 'two' }, { messageId: 'RA2' });
    await server.waitFor(
      () => inbound(B.c).some((u) => u.message.key.id === 'RA2' && textOfUpsert(u) === 'two'),
      10_000,
      'retried message decrypted',
    );
    expect(server.record.clientReceipts.some((r) => r.id === 'RA2' && r.type === 'retry')).toBe(true);
    expect(server.record.crossAccountTo(b).filter((m) => m.id === 'RA2').length).toBeGreaterThanOrEqual(2);
    await server.waitFor(() => server.pendingDeliveries(b).length === 0, 5000, 'queue drained');
  });
});
