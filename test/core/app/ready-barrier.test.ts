/**
 * Start-up concurrency: not linked yet, the core connects (and shows its QR) while its stores
 * still open. What keeps that safe is the ready barrier: messages come only after a login, and
 * the controller holds every login back until the pipeline listens. Here the commit log (the
 * store the outbox, reply log, dedupe set and activity log write to) opens only when the test
 * says so; the phone scans the QR and a contact writes meanwhile. The real Baileys client against
 * the fake server.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { Core, StartingCore } from '../../../main/core/app/create-core.js';
import { CommitLog } from '../../../main/core/storage/commit-log.js';
import { deferred } from '../../../main/core/util/deferred.js';
import { tempDir } from '../../support/temp-dir.js';
import { startFakeWa } from '../../support/wa-harness.js';
import { until } from '../../support/poll.js';
import { echoRule, expectDeliveredOnce, replies, say, startCore, waitForReply } from '../../support/core-harness.js';

let server: FakeWaServer;
const cores: Core[] = [];

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

it('a message sent while a store still opens is handled once it opened, exactly once', async () => {
  const dataDir = tempDir('ready-barrier-');
  // Auto-reply on with an echo rule from the start, so the first message gets a reply.
  writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ version: 1, autoReply: { enabled: true }, rules: [echoRule()] }));
  const release = deferred<void>();
  let storeOpen = false;
  const openCommitLog = CommitLog.open.bind(CommitLog);
  vi.spyOn(CommitLog, 'open').mockImplementation(async (...args) => {
    await release.promise;
    const log = await openCommitLog(...args);
    storeOpen = true;
    return log;
  });

  let starting: StartingCore | undefined;
  // The fake sends no history sync: without this, Baileys holds the events of the first login for 20 s waiting for one.
  const socketConfig = { shouldSyncHistoryMessage: () => false };
  const opening = startCore(server, dataDir, { socketConfig, onConnecting: (c) => (starting = c) });
  const qr = await until(() => {
    const state = starting?.state().state;
    return state?.kind === 'awaiting-qr' ? state.qr : undefined;
  }, 10_000, 'the QR while the store opens');
  expect(storeOpen).toBe(false);

  await server.scanQr(qr);
  const alice = server.createContact({ name: 'Alice' });
  await say(alice, server.defaultAccount, 'early bird');
  // Paired (the server closed the pairing connection with its 515); the login that follows waits.
  await until(() => server.record.connections.some((c) => c.closedReason === 'stream:error 515'), 10_000, 'the 515 after pairing');
  // Longer than a login takes here: it must not happen while the store opens.
  await new Promise((r) => setTimeout(r, 500));
  expect(server.record.connections.filter((c) => c.kind === 'login')).toEqual([]);
  expect(starting!.state().state.kind).toBe('connecting');
  expect(storeOpen).toBe(false);

  release.resolve();
  const core = await opening;
  cores.push(core);
  const reply = await waitForReply(core, (r) => r.status === 'sent', 15_000, 'the reply to the early message');
  expect(reply.text).toBe('Re: early bird');
  expectDeliveredOnce(server, alice, reply.id, 'Re: early bird');
  expect(await replies(core)).toHaveLength(1);
  // One decision about the message, no second handling.
  expect(core.activity.query({}).map((a) => a.preview)).toEqual(['early bird']);
  expect(server.record.connections.filter((c) => c.kind === 'login')).toHaveLength(1);
});
