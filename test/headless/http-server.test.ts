/**
 * The headless server listens to the core's events only while a browser has an event stream
 * open, so with no window open the core builds no views at all. In-process: the whole core
 * against the fake WhatsApp server, the real HTTP server, real SSE streams.
 */
import { afterEach, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import { EVENT_NAMES, type ReplyView } from '../../main/contract/api.js';
import { startHeadlessServer, type HeadlessServer, type HeadlessServerOptions } from '../../main/headless/http-server.js';
import { echoRule, pairCore, say, startCore, useRules, waitForReply } from '../support/core-harness.js';
import { httpRequest, openEventStream, type EventStream } from '../support/headless-process.js';
import { startFakeWa } from '../support/wa-harness.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/poll.js';

let server: FakeWaServer | undefined;
let core: Core | undefined;
let http: HeadlessServer | undefined;
const streams: EventStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await http?.close();
  await core?.close();
  await server?.close();
});

/** The core as the server sees it, counting the server's subscriptions to its events. */
function watched(c: Core): { core: HeadlessServerOptions['core']; subscriptions: () => number } {
  let count = 0;
  return {
    core: {
      handle: (command, args) => c.handle(command, args),
      on: (event, listener) => {
        const off = c.on(event, listener);
        count++;
        let on = true;
        return () => {
          if (on) count--;
          on = false;
          off();
        };
      },
    },
    subscriptions: () => count,
  };
}

it('subscribes to the core on the first stream and lets go after the last; a window opened after replies gets their state by command and the later ones as events', async () => {
  server = await startFakeWa();
  core = await startCore(server, tempDir());
  await pairCore(server, core);
  await useRules(core, [echoRule()]);
  const token = 'test-token-for-the-window';
  const seen = watched(core);
  http = await startHeadlessServer({ core: seen.core, token, staticDir: tempDir() });
  const base = `http://127.0.0.1:${http.port}`;
  const auth = { Authorization: `Bearer ${token}` };
  const open = async () => {
    const s = await openEventStream(`${base}/api/events?token=${token}`);
    streams.push(s);
    return s;
  };
  const setAutoReply = async (enabled: boolean) => {
    const r = await httpRequest(`${base}/api/rpc/setAutoReply`, 'POST', { ...auth, 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ enabled })));
    expect(r.status).toBe(200);
  };
  expect(seen.subscriptions()).toBe(0);

  // A reply while no window is open: nobody is subscribed.
  const ann = server.createContact({ name: 'Ann' });
  const first = await say(ann, server.defaultAccount, 'before the window');
  const firstReply = await waitForReply(core, (r) => r.inboundId === first && r.status === 'sent');
  await core.pipeline.idle();
  expect(seen.subscriptions()).toBe(0);

  // A window opens: subscribed before its stream's first byte, so nothing falls between.
  const window = await open();
  expect(window.status).toBe(200);
  expect(seen.subscriptions()).toBe(EVENT_NAMES.length);
  // Its initial state comes by command, the earlier reply included.
  const listed = await httpRequest<{ ok: boolean; value: ReplyView[] }>(`${base}/api/rpc/listReplies`, 'POST', auth);
  expect(listed.body.value.map((r) => [r.id, r.status])).toEqual([[firstReply.id, 'sent']]);

  // The next reply's every change arrives on the stream; nothing of the earlier one.
  const ben = server.createContact({ name: 'Ben' });
  const second = await say(ben, server.defaultAccount, 'with the window open');
  const sent = (await window.waitFor((m) => m.event === 'reply' && (m.payload as ReplyView).status === 'sent')).payload as ReplyView;
  expect(sent).toMatchObject({ inboundId: second, text: 'Re: with the window open', contactName: 'Ben' });
  const replyEvents = window.messages.filter((m) => m.event === 'reply').map((m) => m.payload as ReplyView);
  expect(replyEvents.every((r) => r.inboundId === second)).toBe(true);
  expect(replyEvents.map((r) => r.status)).toEqual(sent.statusHistory.map((h) => h.status));
  await window.waitFor((m) => m.event === 'activity' && (m.payload as { replyStatus?: string }).replyStatus === 'sent');

  // One subscription per event however many windows; the last one closing ends it.
  const other = await open();
  expect(seen.subscriptions()).toBe(EVENT_NAMES.length);
  window.close();
  // The other window still gets events after the first went (a command's event makes a round trip).
  await setAutoReply(false);
  expect(await other.waitFor((m) => m.event === 'auto-reply')).toEqual({ event: 'auto-reply', payload: { enabled: false } });
  expect(seen.subscriptions()).toBe(EVENT_NAMES.length);
  other.close();
  await until(() => seen.subscriptions() === 0, 5_000, 'the server to let go of the core');

  // A window opened after that subscribes again and gets events.
  const again = await open();
  expect(seen.subscriptions()).toBe(EVENT_NAMES.length);
  await setAutoReply(true);
  expect(await again.waitFor((m) => m.event === 'auto-reply')).toEqual({ event: 'auto-reply', payload: { enabled: true } });

  await http.close();
  http = undefined;
  expect(seen.subscriptions()).toBe(0);
});
