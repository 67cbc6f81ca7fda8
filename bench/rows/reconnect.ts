/**
 * Row 1 — reply after the link re-opens. A reply is waiting while the link is down; measured
 * from the new socket's `open` to the fake server receiving the reply's stanza, over many short
 * outages, Replyline vs a bot that retries on a 1, 2, 4 … s timer (lib/naive-bot.ts).
 *
 * Replyline: the whole core (createCoreService); the reply is put straight into its outbox while
 * the link is down (this row is about delivery, not rules). The outage is the controller's own
 * backoff (50–100 ms here). Baseline: bots on bare Baileys sockets, each reconnecting after a
 * random 0–900 ms outage, so the socket opens at a random point of the bot's first 1 s retry
 * wait, as it would after a real outage of random length. Both sides run in this process with
 * the fake server, alternating in blocks; the baseline bots run 10 at a time (their time is spent
 * waiting on timers) so that 200 of their outages fit in a few seconds each block.
 */
import type { Core } from '../../main/core/app/create-core.js';
import type { AccountInfo } from '../../test/fake-wa/index.js';
import { NO_HISTORY_SYNC, silenceConsole } from '../clients/protocol.js';
import { NaiveBot, type BotTrial } from '../lib/naive-bot.js';
import { runIfMain, ms, ratio, type RowResult } from '../lib/result.js';
import { median, now, pairBare, pairCore, percentile, progress, quietLogs, sleep, startCore, startServer, tempDir, until } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const OUTAGES = QUICK ? 40 : 200;
const BLOCKS = 4;
const BOTS = 10;
const FLOOR_OUTAGES = QUICK ? 12 : 48;

interface Sample {
  openToStanza: number;
}

export async function runReconnect(): Promise<RowResult> {
  const started = now();
  silenceConsole({ errors: true });
  quietLogs();
  const server = await startServer();
  const contacts = Array.from({ length: 5 }, (_, i) => server.createContact({ name: `Contact ${i}` }));

  // ---- Replyline --------------------------------------------------------------------------
  const { dir, remove } = await tempDir('reconnect');
  const core = await startCore(server, dir, {
    socketConfig: { ...NO_HISTORY_SYNC },
    controller: { backoff: { baseMs: 100, capMs: 100, jitter: 0.5, healthyAfterMs: 0 } },
  });
  await pairCore(server, core);
  // A first reply to each contact, so sessions exist (as they do for people one answers).
  for (const c of contacts) await sendAndWait(core, c.phoneJid, 'hello');
  // The same core, but each socket with Baileys' own fresh device-list cache (as before the
  // controller kept one across sockets): what row 1 would be without that change.
  const plain = await tempDir('reconnect-plain');
  const account2 = server.createAccount({ name: 'Plain' });
  const plainCore = await startCore(server, plain.dir, {
    socketConfig: { ...NO_HISTORY_SYNC, userDevicesCache: undefined },
    controller: { backoff: { baseMs: 100, capMs: 100, jitter: 0.5, healthyAfterMs: 0 } },
  });
  await pairCore(server, plainCore, account2);
  for (const c of contacts) await sendAndWait(plainCore, c.phoneJid, 'hello');
  progress('reconnect: Replyline paired and warm');

  // ---- Baseline bots ----------------------------------------------------------------------
  const bots: NaiveBot[] = [];
  for (let i = 0; i < BOTS + 1; i++) {
    const account = server.createAccount({ name: `Bot ${i}` });
    const { auth, client } = await pairBare(server, account);
    const bot = new NaiveBot(server, auth, account, client, i < BOTS ? 'retry-timer' : 'on-open');
    await client.sock.sendMessage(contacts[i % contacts.length]!.phoneJid, { text: 'hello' });
    bots.push(bot);
  }
  const floorBot = bots.pop()!;
  progress(`reconnect: ${BOTS} baseline bots + 1 floor bot paired`);

  const replyline: Sample[] = [];
  const blockP50: number[] = [];
  const replylineInvalid: number[] = [];
  const baseline: BotTrial[] = [];
  const floor: BotTrial[] = [];
  const perSocket: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const n = OUTAGES / BLOCKS;
    const block: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = await replylineTrial(core, server, contacts[i % contacts.length]!.phoneJid);
      if (s) {
        replyline.push(s);
        block.push(s.openToStanza);
      } else replylineInvalid.push(i);
    }
    blockP50.push(percentile(block, 50));
    progress(`reconnect: block ${b + 1}/${BLOCKS}: Replyline ${replyline.length} outages, p50 ${percentile(replyline.map((s) => s.openToStanza), 50).toFixed(1)} ms`);
    const perBot = Math.ceil(n / BOTS);
    await Promise.all(
      bots.map(async (bot, k) => {
        for (let i = 0; i < perBot; i++) {
          // Bots start their outages at random moments, so their retries do not all fire together.
          await sleep(Math.random() * 1_000);
          baseline.push(await bot.trial(contacts[(k + i) % contacts.length]!.phoneJid, Math.random() * 900));
        }
      }),
    );
    progress(`reconnect: block ${b + 1}/${BLOCKS}: baseline ${baseline.length} outages, p50 ${percentile(baseline.map((t) => t.stanzaAt - t.openAt), 50).toFixed(0)} ms`);
    for (let i = 0; i < FLOOR_OUTAGES / BLOCKS; i++) floor.push(await floorBot.trial(contacts[i % contacts.length]!.phoneJid, 75));
    for (let i = 0; i < FLOOR_OUTAGES / BLOCKS; i++) {
      const s = await replylineTrial(plainCore, server, contacts[i % contacts.length]!.phoneJid, account2);
      if (s) perSocket.push(s.openToStanza);
    }
  }

  for (const bot of [...bots, floorBot]) bot.end();
  await core.close();
  await plainCore.close();
  await server.close();
  await remove();
  await plain.remove();

  const rl = replyline.map((s) => s.openToStanza);
  const bl = baseline.map((t) => t.stanzaAt - t.openAt);
  const blSend = baseline.map((t) => t.stanzaAt - t.attemptAt);
  const fl = floor.map((t) => t.stanzaAt - t.openAt);
  const stats = (xs: number[]) => ({ n: xs.length, p50: percentile(xs, 50), p90: percentile(xs, 90), p99: percentile(xs, 99), max: Math.max(...xs) });
  const r50 = percentile(rl, 50);
  const r99 = percentile(rl, 99);
  const b50 = percentile(bl, 50);
  const b99 = percentile(bl, 99);
  return {
    id: 'reconnect',
    title: 'Reply after the link re-opens (open → stanza at the server)',
    lines: [
      { name: '1 Reply after re-open, p50', replyline: ms(r50), baseline: ms(b50, 0), ratio: ratio(r50 / b50, 3), target: '< 20 ms', met: r50 < 20 },
      { name: '1 Reply after re-open, p99', replyline: ms(r99), baseline: ms(b99, 0), ratio: ratio(r99 / b99, 3), target: '< 100 ms', met: r99 < 100 },
      {
        name: `1 Same, per-socket device cache (p50 / p99, ${perSocket.length} outages)`,
        replyline: `${percentile(perSocket, 50).toFixed(1)} / ${percentile(perSocket, 99).toFixed(1)} ms`,
        baseline: `${b50.toFixed(0)} / ${b99.toFixed(0)} ms`,
        ratio: ratio(percentile(perSocket, 50) / b50, 3),
        target: '(info: the cache as before d110300)',
        met: null,
      },
    ],
    data: {
      outages: { replyline: rl.length, baseline: bl.length, floor: fl.length, replylineDiscarded: replylineInvalid.length },
      replylineMs: stats(rl),
      replylineBlockP50Ms: blockP50.map((x) => Math.round(x * 10) / 10),
      baselineMs: stats(bl),
      baselineSendPathMs: stats(blSend),
      baselineAttempts: { median: median(baseline.map((t) => t.attempts)), max: Math.max(...baseline.map((t) => t.attempts)) },
      floorMs: stats(fl),
      replylinePerSocketDeviceCacheMs: stats(perSocket),
    },
    notes: [
      `Floor (bare Baileys sending from its own 'open' handler, ${fl.length} outages): p50 ${percentile(fl, 50).toFixed(1)} ms, p99 ${percentile(fl, 99).toFixed(1)} ms.`,
      `Baseline send path alone (retry timer fired → stanza): p50 ${percentile(blSend, 50).toFixed(1)} ms; the rest of its wait is the timer.`,
    ],
    seconds: (now() - started) / 1000,
  };
}

async function sendAndWait(core: Core, chatJid: string, text: string): Promise<void> {
  const e = await core.outbox.enqueue({ chatJid, text });
  await until(() => core.outbox.get(e.id)?.state === 'sent', 15_000, 'reply sent');
}

/**
 * One outage: the server drops the link; while Replyline is down, a reply is queued (durably)
 * in its outbox; measured from the controller's next `open` to the stanza at the server. A trial
 * where the link was back before the reply was queued measures nothing and is discarded.
 */
async function replylineTrial(
  core: Core,
  server: Awaited<ReturnType<typeof startServer>>,
  chatJid: string,
  account?: AccountInfo,
): Promise<Sample | undefined> {
  let openAt = 0;
  const offOpen = core.controller.on('open', () => {
    openAt ||= now();
  });
  const closed = new Promise<void>((resolve) => {
    const off = core.controller.on('closed', () => {
      off();
      resolve();
    });
  });
  let stanzaAt = 0;
  let wantedId = '';
  const onStanza = (m: { id: string }) => {
    if (m.id === wantedId && !stanzaAt) stanzaAt = now();
  };
  server.on('client-message', onStanza);
  try {
    server.faults.closeSocket(account ?? server.defaultAccount);
    await closed;
    const queued = core.outbox.enqueue({ chatJid, text: 'Back in a moment.' });
    const entry = await queued;
    wantedId = entry.id;
    const queuedAt = now();
    await until(() => stanzaAt > 0, 15_000, 'reply stanza');
    await until(() => core.outbox.get(entry.id)?.state === 'sent', 15_000, 'reply acked');
    if (!openAt || queuedAt > openAt) return undefined;
    return { openToStanza: stanzaAt - openAt };
  } finally {
    offOpen();
    server.off('client-message', onStanza);
  }
}

runIfMain(import.meta.url, runReconnect);
