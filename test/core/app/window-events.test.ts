/**
 * The core's events to the window are built only for someone listening: each reply changes about
 * five times, and most of the time no window is open. The whole core against the fake WhatsApp
 * server; the two view builders are wrapped (called through) only to count how often they run.
 */
import { afterEach, expect, it, vi } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { Core } from '../../../main/core/app/create-core.js';
import type { ActivityView, ReplyView } from '../../../main/contract/api.js';
import type * as replyViews from '../../../main/core/replylog/views.js';
import type * as activityViews from '../../../main/core/activity/views.js';
import { toReplyViewInChat } from '../../../main/core/replylog/views.js';
import { toActivityView } from '../../../main/core/activity/views.js';
import { echoRule, pairCore, say, startCore, useRules, waitForReply } from '../../support/core-harness.js';
import { startFakeWa } from '../../support/wa-harness.js';
import { tempDir } from '../../support/temp-dir.js';
import { until } from '../../support/poll.js';

vi.mock('../../../main/core/replylog/views.js', async (importOriginal) => {
  const real = await importOriginal<typeof replyViews>();
  return { ...real, toReplyViewInChat: vi.fn(real.toReplyViewInChat) };
});
vi.mock('../../../main/core/activity/views.js', async (importOriginal) => {
  const real = await importOriginal<typeof activityViews>();
  return { ...real, toActivityView: vi.fn(real.toActivityView) };
});

let server: FakeWaServer | undefined;
let core: Core | undefined;
afterEach(async () => {
  await core?.close();
  await server?.close();
});

it('with nobody listening no reply or decision view is built; a listener added later gets the later replies, whole and current', async () => {
  server = await startFakeWa();
  core = await startCore(server, tempDir());
  await pairCore(server, core);
  await useRules(core, [echoRule()]);
  const ann = server.createContact({ name: 'Ann' });
  const ben = server.createContact({ name: 'Ben' });
  const built = () => vi.mocked(toReplyViewInChat).mock.calls.length + vi.mocked(toActivityView).mock.calls.length;
  vi.mocked(toReplyViewInChat).mockClear();
  vi.mocked(toActivityView).mockClear();

  // Nobody listens: a whole reply (decided, queued, sent) goes by without a view being built.
  const first = await say(ann, server.defaultAccount, 'first message');
  await waitForReply(core, (r) => r.inboundId === first && r.status === 'sent');
  await core.pipeline.idle();
  expect(built()).toBe(0);

  // Someone listens from here on: the next reply's every change, none of the earlier one's.
  const replies: ReplyView[] = [];
  const decisions: ActivityView[] = [];
  core.on('reply', (r) => replies.push(r));
  core.on('activity', (a) => decisions.push(a));
  const second = await say(ben, server.defaultAccount, 'second message');
  const sent = await waitForReply(core, (r) => r.inboundId === second && r.status === 'sent');
  await until(() => replies.at(-1)?.status === 'sent' && decisions.at(-1)?.replyStatus === 'sent', 5_000, 'the events of the sent reply');
  expect(built()).toBeGreaterThan(0);

  expect(replies.every((r) => r.inboundId === second)).toBe(true);
  expect(replies.map((r) => r.status)).toEqual(sent.statusHistory.map((h) => h.status));
  // Each event shows the reply as it was then (a snapshot, not the log's live entry).
  expect(replies.map((r) => r.statusHistory.length)).toEqual(replies.map((_, i) => i + 1));
  const last = replies.at(-1)!;
  expect(last).toMatchObject({ id: sent.id, text: 'Re: second message', status: 'sent', contactName: 'Ben' });
  expect(decisions.every((a) => a.replyId === sent.id && a.preview === 'second message')).toBe(true);
  expect(decisions.at(-1)).toMatchObject({ outcome: 'replied', replyStatus: 'sent', chatId: last.chatId });

  // The chat as the window's list commands name it.
  const listed = await core.handle('listReplies', { limit: 10 });
  expect(listed.ok && listed.value.map((r) => r.inboundId)).toEqual([second, first]);
  expect(listed.ok && listed.value[0]!.chatId).toBe(last.chatId);
});
