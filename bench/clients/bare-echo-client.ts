/**
 * Child process: the baseline of the throughput row, a bare Baileys echo loop —
 * `makeWASocket` + `ev.on('messages.upsert')` → `sendMessage` — with in-memory creds and keys
 * (no persistence at all: the fastest Baileys can go), reconnecting at once on 515.
 */
import makeWASocket, { WA_CERT_DETAILS, type CacheStore, type WASocket } from '@whiskeysockets/baileys';
import NodeCache from '@cacheable/node-cache';
import pino from 'pino';
import { createMemoryAuth } from '../../test/fake-wa/client.js';
import { handleProbe, reportCrashes, NO_HISTORY_SYNC, send, silenceConsole, type ClientArgs, type ToClient } from './protocol.js';

silenceConsole({ errors: true });
reportCrashes();
const args = JSON.parse(process.argv[2]!) as ClientArgs;
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(args.ca, 'hex');
const auth = createMemoryAuth();
const logger = pino({ level: 'silent' });
let sock: WASocket | undefined;

function connect(): void {
  const s = makeWASocket({
    waWebSocketUrl: args.url,
    auth: auth.state,
    logger,
    markOnlineOnConnect: false,
    connectTimeoutMs: 10_000,
    defaultQueryTimeoutMs: 10_000,
    keepAliveIntervalMs: 10_000,
    ...NO_HISTORY_SYNC,
    // BENCH_DEVICE_LIST_TTL_MS: Baileys' own device-list cache with a shorter lifetime (as the Replyline client).
    ...(process.env.BENCH_DEVICE_LIST_TTL_MS
      ? { userDevicesCache: new NodeCache({ stdTTL: Number(process.env.BENCH_DEVICE_LIST_TTL_MS) / 1000, useClones: false }) as CacheStore }
      : {}),
  });
  sock = s;
  s.ev.on('connection.update', (u) => {
    if (u.qr) send({ type: 'qr', qr: u.qr });
    if (u.connection === 'open') send({ type: 'open' });
    if (u.connection === 'close') {
      const code = (u.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
      send({ type: 'closed', code });
      if (sock === s) setTimeout(connect, code === 515 ? 0 : 50);
    }
  });
  s.ev.on('messages.upsert', ({ messages, type }) => {
    // 'append': what arrives from the offline queue after a reconnect (the memory row reconnects).
    if (type !== 'notify' && type !== 'append') return;
    for (const m of messages) {
      const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text;
      if (m.key.fromMe || !text || !m.key.remoteJid) continue;
      s.sendMessage(m.key.remoteJid, { text: `Re: ${text}` }).catch(() => undefined);
    }
  });
}

process.on('message', (raw) => {
  const msg = raw as ToClient;
  if (handleProbe(msg)) return;
  if (msg.cmd === 'stop') {
    const s = sock;
    sock = undefined;
    s?.end(undefined);
    send({ type: 'stopped' });
    process.exit(0);
  }
});
connect();
