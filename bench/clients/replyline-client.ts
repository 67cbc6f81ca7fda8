/**
 * Child process: the Replyline core (createCoreService, the same core the desktop app and
 * headless mode run) against the fake server. Reports its QR and link state to the parent and
 * answers memory probes. Limits are raised: the rows measure delivery, not loop protection.
 */
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createCoreService } from '../../main/core/app/create-core.js';
import pino from 'pino';
import { configureLogging } from '../../main/core/logging/logger.js';
import { passphraseKeyWrapper } from '../../main/core/storage/cipher.js';
import { startHeadlessServer, type HeadlessServer } from '../../main/headless/http-server.js';
import { handleProbe, reportCrashes, NO_HISTORY_SYNC, send, silenceConsole, type ClientArgs, type ToClient } from './protocol.js';

silenceConsole({ errors: true });
reportCrashes();
// BENCH_CLIENT_LOG_FILE: the core's log (and Baileys' at BENCH_BAILEYS_LOG_LEVEL) to a file, for finding out why a run lost replies.
configureLogging(
  process.env.BENCH_CLIENT_LOG_FILE
    ? { level: 'debug', sink: pino.destination({ dest: process.env.BENCH_CLIENT_LOG_FILE, sync: false }) }
    : { level: 'silent' },
);
const args = JSON.parse(process.argv[2]!) as ClientArgs;
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(args.ca, 'hex');

const core = await createCoreService({
  dataDir: args.dataDir!,
  keyWrapper: passphraseKeyWrapper(Buffer.alloc(32, 7)),
  timeZone: 'UTC',
  socketConfig: {
    waWebSocketUrl: args.url,
    connectTimeoutMs: 10_000,
    defaultQueryTimeoutMs: 10_000,
    keepAliveIntervalMs: 10_000,
    ...NO_HISTORY_SYNC,
    // BENCH_RETRY_DELAY_MS: Baileys' wait after each retry receipt (default 250 ms, held under its
    // message lock), for measuring what it costs when many copies cannot be decrypted (soak with drops).
    ...(process.env.BENCH_RETRY_DELAY_MS ? { retryRequestDelayMs: Number(process.env.BENCH_RETRY_DELAY_MS) } : {}),
    // A/B switch for the device-list cache the controller shares across sockets.
    ...(process.env.BENCH_PER_SOCKET_DEVICE_CACHE === '1' ? { userDevicesCache: undefined } : {}),
  },
  controller: {
    backoff: { baseMs: 50, capMs: 200, healthyAfterMs: 0 },
    // BENCH_DEVICE_LIST_TTL_MS: a shorter device-list lifetime, to reach each contact's refresh sooner.
    ...(process.env.BENCH_DEVICE_LIST_TTL_MS ? { deviceListTtlMs: Number(process.env.BENCH_DEVICE_LIST_TTL_MS) } : {}),
  },
  rateLimits: {
    global: { max: 10_000, windowMs: 1_000 },
    perConversation: { max: 10_000, windowMs: 1_000 },
  },
  autoStart: false,
});
let http: HeadlessServer | undefined;
if (args.http) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  http = await startHeadlessServer({
    core,
    token: randomBytes(24).toString('base64url'),
    staticDir: path.resolve(here, '../../dist/renderer'),
    port: 0,
  });
}
if (args.rules) {
  const set = await core.handle('setRules', { rules: args.rules });
  if (!set.ok) throw new Error(`rules rejected: ${JSON.stringify(set.error)}`);
  const on = await core.handle('setAutoReply', { enabled: true });
  if (!on.ok) throw new Error('auto-reply could not be switched on');
}
core.controller.on('state', (s) => {
  if (s.kind === 'awaiting-qr') send({ type: 'qr', qr: s.qr });
  if (s.kind === 'open') send({ type: 'open' });
});
core.controller.on('closed', (c) => send({ type: 'closed', code: c.code }));

// What reached the pipeline, for explaining a run that lost replies.
const inbound = { upserts: 0, messages: 0, stubs: 0, outcomes: {} as Record<string, number> };
core.controller.on('messages', ({ upsert }) => {
  inbound.upserts++;
  for (const m of upsert.messages) {
    if (m.key.fromMe) continue;
    inbound.messages++;
    if (m.messageStubType) inbound.stubs++;
  }
});
const handle = core.pipeline.handle.bind(core.pipeline);
core.pipeline.handle = async (received) => {
  const outcome = await handle(received);
  const key = outcome.kind === 'skipped' || outcome.kind === 'ignored' ? `${outcome.kind}:${outcome.reason}` : outcome.kind;
  inbound.outcomes[key] = (inbound.outcomes[key] ?? 0) + 1;
  return outcome;
};

process.on('message', (raw) => {
  const msg = raw as ToClient;
  if (handleProbe(msg)) return;
  if (msg.cmd === 'stats') {
    // The reply statuses copy the whole reply log: only when asked for (end of a run).
    const statuses: Record<string, number> = {};
    const errors = new Set<string>();
    if (msg.full) {
      for (const e of core.replyLog.query({})) {
        statuses[e.status] = (statuses[e.status] ?? 0) + 1;
        if (e.lastError && e.status !== 'sent' && e.status !== 'delivered' && e.status !== 'read' && errors.size < 5) errors.add(e.lastError);
      }
    }
    send({
      type: 'info',
      info: {
        stats: true,
        // The bounded stores, for reading the memory figures next to them.
        sizes: {
          replyLogEntries: core.replyLog.size,
          dedupeKeys: core.dedupe.size,
          outboxEntries: core.outbox.list().length,
          activityRecords: core.activity.size,
          historyEntries: core.history.list().length,
          commitLogRecords: core.commitLog.recordCount,
        },
        // Store compactions: one in flight holds every record of its store a second time.
        compacting: { commitLog: core.commitLog.compacting, keyLogCompactions: core.controller.session?.stats.compactions ?? 0 },
        ...(msg.full ? { replyStatuses: statuses, replyErrors: [...errors], session: core.controller.session?.stats, inbound } : {}),
        outbox: core.outbox.diagnostics(),
      },
    });
  } else if (msg.cmd === 'flush') {
    // The commit log waits for a compaction in flight; the session store for its key log's writes and compaction.
    void Promise.all([core.commitLog.flush(), core.controller.session?.flush()]).then(
      () => send({ type: 'info', info: { flushed: true } }),
      (err: unknown) => send({ type: 'error', message: `flush failed: ${(err as Error).message}` }),
    );
  } else if (msg.cmd === 'stop') {
    void (async () => {
      await http?.close();
      await core.close();
      send({ type: 'stopped' });
      process.exit(0);
    })();
  }
});
core.controller.start();
