/**
 * Conversation-aware auto-reply through the whole core (createCoreService, the real Baileys client
 * against the fake WhatsApp server, with the owner's phone as a device of the account):
 *
 * - takeover: the owner writes in a chat from the phone → the reply still waiting there is
 *   cancelled ("you answered yourself"), the chat stays quiet for the pause, then answers again;
 *   Replyline's own replies, echoed back by Baileys as the account's messages, are no takeover;
 * - grace period: a read on the phone within it cancels the reply ("you read it"); after it the
 *   reply goes out exactly once; a waiting reply survives a restart, and the owner's message
 *   arriving by offline sync after it still cancels it;
 * - a muted chat gets nothing, and the activity says why;
 * - kinds: a voice note, a photo with and without caption, a reaction, an edit and a deletion
 *   each get the right decision; a missed call gets the missed-call reply, once; a call answered
 *   on the owner's phone is no missed call;
 * - a message no readable copy of ever comes is recorded in plain words, never answered;
 * - every reason a message gets no reply appears, with its plain words.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { kinds } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import type { ActivityView, CommandArgs, CommandName, CommandResults } from '../../main/contract/api.js';
import { CANCEL_WORDS, SAME_SECOND_CANCEL_WORDS } from '../../main/core/inbound/reply-pipeline.js';
import { SAME_SECOND_WORDS } from '../../main/core/autoreply/index.js';
import { REASON_WORDS } from '../../main/contract/conversation.js';
import { toActivityView } from '../../main/core/activity/index.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa, waitForState } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { expectDeliveredOnce, pairCore, startCore, useRules, waitForReply } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';

type Contact = ReturnType<FakeWaServer['createContact']>;

let server: FakeWaServer;
const cores: Core[] = [];

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

/** The core's clock: real time plus a shift, to step past a pause or a cooldown. */
let shift = 0;
const now = () => Date.now() + shift;

async function pairedCore(options: Parameters<typeof startCore>[2] = {}, dir = tempDir('conversation-')): Promise<{ core: Core; dir: string }> {
  shift = 0;
  const core = await startCore(server, dir, { now, ...options });
  cores.push(core);
  await pairCore(server, core);
  return { core, dir };
}

async function ok<C extends CommandName>(core: Core, command: C, args?: CommandArgs[C]): Promise<CommandResults[C]> {
  const r = await core.handle(command, args);
  if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/**
 * The owner's answer, stamped a second after what the contact wrote just before: message times
 * are whole seconds, and the same second counts as a tie (its own test), not a later answer.
 */
const afterContact = () => Math.floor(now() / 1000) + 1;

/** A contact writes (at the core's clock, so a shifted clock does not make it look late). */
async function write(contact: Contact, text: string): Promise<string> {
  registerSecret(text);
  return contact.sendText(server.defaultAccount, text, { timestamp: Math.floor(now() / 1000) });
}

/** The decision record of the inbound message `id`, once there is one (matching `pred`). */
async function decisionFor(core: Core, id: string, pred: (a: ActivityView) => boolean = () => true, what = 'the decision'): Promise<ActivityView> {
  let found: ActivityView | undefined;
  await until(
    () => {
      const e = core.activity.query({}).find((a) => a.key.endsWith(`|${id}`));
      found = e ? toActivityView(e, { chatId: '' }) : undefined;
      return found !== undefined && pred(found);
    },
    15_000,
    `${what} (last: ${JSON.stringify(found)})`,
  );
  return found!;
}

const replyRule = (over: Record<string, unknown> = {}) => ({
  id: 'away',
  name: 'Away',
  match: { type: 'any' },
  reply: { type: 'template', text: 'Away: {message}' },
  delay: { minMs: 0, maxMs: 0, typing: false },
  cooldownMs: 10_000,
  ...over,
});

const MIN = 60_000;

describe('you are here: takeover', () => {
  it('your message from the phone cancels the waiting reply, the chat stays quiet for the pause, then answers again', async () => {
    const { core } = await pairedCore();
    // Replies wait a little (a human-like delay), long enough for the owner to step in.
    await useRules(core, [replyRule({ delay: { minMs: 30_000, maxMs: 30_000, typing: false } })]);
    const dana = server.createContact({ name: 'Dana' });

    const first = await write(dana, 'Are you there?');
    const waiting = await waitForReply(core, (r) => r.status === 'queued' && r.inboundId === first, 15_000, 'a waiting reply');

    const own = 'Yes, I am here — calling you now.';
    registerSecret(own);
    await server.ownerPhone().sendText(dana, own, { t: afterContact() });
    const cancelled = await waitForReply(core, (r) => r.id === waiting.id && r.status === 'cancelled', 15_000, 'the reply cancelled');
    expect(cancelled.lastError).toBe(CANCEL_WORDS['owner-answered']);
    expect(await decisionFor(core, first, (a) => a.outcome === 'cancelled')).toMatchObject({
      reason: 'owner-answered',
      explanation: 'Cancelled: you answered this chat yourself before it went out.',
      replyId: waiting.id,
    });

    // Within the pause (30 min by default): nothing goes out in that chat; the record says why.
    await useRules(core, [replyRule()]);
    shift += 10 * MIN;
    const second = await write(dana, 'Thanks! One more thing…');
    const paused = await decisionFor(core, second);
    expect(paused).toMatchObject({ outcome: 'skipped', reason: 'owner-answered' });
    expect(paused.explanation).toBe('You wrote in this chat yourself, so auto-replies here pause for a while.');
    expect(paused.until).toBeGreaterThan(now());
    // Another chat is not paused.
    const erik = server.createContact({ name: 'Erik' });
    const other = await write(erik, 'Hello? Erik asking about the order');
    await waitForReply(core, (r) => r.inboundId === other && r.status === 'sent');

    // After the pause, the chat is answered again, once.
    shift += 21 * MIN;
    const third = await write(dana, 'Still there?');
    const sent = await waitForReply(core, (r) => r.inboundId === third && r.status === 'sent', 15_000, 'the reply after the pause');
    expectDeliveredOnce(server, dana, sent.id, 'Away: Still there?');
    expect(dana.received.map((m) => m.text)).toEqual(['Away: Still there?']);
  }, 120_000);

  it('your message in the same second as the contact’s counts as you answering it, in either order', async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule({ delay: { minMs: 30_000, maxMs: 30_000, typing: false } })]);
    const second = Math.floor(now() / 1000);
    // The contact's message first, its reply waiting; then yours, stamped the same second.
    const gil = server.createContact({ name: 'Gil' });
    registerSecret('same second from Gil');
    const first = await gil.sendText(server.defaultAccount, 'same second from Gil', { timestamp: second });
    const waiting = await waitForReply(core, (r) => r.status === 'queued' && r.inboundId === first, 15_000, 'a waiting reply');
    await server.ownerPhone().sendText(gil, 'mine, same second', { t: second });
    await waitForReply(core, (r) => r.id === waiting.id && r.status === 'cancelled', 15_000, 'the reply cancelled');
    expect(await decisionFor(core, first, (a) => a.outcome === 'cancelled')).toMatchObject({
      reason: 'owner-answered',
      explanation: `${SAME_SECOND_CANCEL_WORDS}.`,
    });
    // Yours first; then the contact's, stamped the same second.
    const hana = server.createContact({ name: 'Hana' });
    await server.ownerPhone().sendText(hana, 'mine first', { t: second });
    // (Baileys handles one stanza at a time, in the order the server writes them.)
    await server.waitFor(() => server.pendingDeliveries().length === 0, 5_000, 'your message taken');
    registerSecret('same second from Hana');
    const later = await hana.sendText(server.defaultAccount, 'same second from Hana', { timestamp: second });
    expect(await decisionFor(core, later)).toMatchObject({ outcome: 'skipped', reason: 'owner-answered', explanation: SAME_SECOND_WORDS });
    expect(gil.received).toEqual([]);
    expect(hana.received).toEqual([]);
  });

  it("Replyline's own replies, echoed back as the account's messages, are not you answering", async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule()]);
    const fay = server.createContact({ name: 'Fay' });
    const first = await write(fay, 'Hi Fay here, quick question');
    const reply = await waitForReply(core, (r) => r.inboundId === first && r.status === 'sent');
    expectDeliveredOnce(server, fay, reply.id, 'Away: Hi Fay here, quick question');
    // Past the rule's cooldown, the same chat is answered: the echo of our reply paused nothing.
    shift += 11_000;
    const second = await write(fay, 'Hello again from Fay');
    await waitForReply(core, (r) => r.inboundId === second && r.status === 'sent');
    expect(core.activity.query({ reason: 'owner-answered' })).toEqual([]);
  });
});

describe('grace period: reply only if I don’t', () => {
  it('a read on the phone within the grace period cancels the reply ("you read it")', async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule({ graceMs: 10 * MIN })]);
    const gil = server.createContact({ name: 'Gil' });
    const id = await write(gil, 'Can you check the invoice?');
    const waiting = await waitForReply(core, (r) => r.inboundId === id && r.status === 'queued');
    await server.ownerPhone().readSelf(gil, [id]);
    const cancelled = await waitForReply(core, (r) => r.id === waiting.id && r.status === 'cancelled', 15_000, 'cancelled by the read');
    expect(cancelled.lastError).toBe(CANCEL_WORDS['owner-read']);
    expect(await decisionFor(core, id, (a) => a.outcome === 'cancelled')).toMatchObject({
      reason: 'owner-read',
      explanation: 'Cancelled: you read the message on another device during its grace period.',
    });
    expect(gil.received).toEqual([]);
  });

  it('after the grace period the reply goes out exactly once', async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule({ graceMs: 1_500 })]);
    const hana = server.createContact({ name: 'Hana' });
    const id = await write(hana, 'Ping from Hana, please answer');
    const queued = await waitForReply(core, (r) => r.inboundId === id && r.status === 'queued');
    await new Promise((r) => setTimeout(r, 500));
    expect(core.replyLog.get(queued.id)?.status).toBe('queued'); // still waiting for the owner
    const sent = await waitForReply(core, (r) => r.id === queued.id && r.status === 'sent', 15_000);
    expectDeliveredOnce(server, hana, sent.id, 'Away: Ping from Hana, please answer');
    expect(await decisionFor(core, id)).toMatchObject({ outcome: 'replied', explanation: 'Answered by rule “Away”, after waiting 2 s in case you answer yourself.' });
  });

  it('a waiting reply survives a restart, and your message arriving by offline sync after it still cancels it', async () => {
    // The fake sends no history sync: without this, Baileys holds the events of a login that
    // follows its very first one for 20 s, waiting for one (a real phone sends it at once).
    const socketConfig = { shouldSyncHistoryMessage: () => false };
    const { core, dir } = await pairedCore({ socketConfig });
    await useRules(core, [replyRule({ graceMs: 10 * MIN })]);
    const ida = server.createContact({ name: 'Ida' });
    const id = await write(ida, 'Is the shop open tomorrow?');
    const waiting = await waitForReply(core, (r) => r.inboundId === id && r.status === 'queued');
    await core.close();
    cores.splice(cores.indexOf(core), 1);

    const own = 'Yes, from 9.';
    registerSecret(own);
    await server.ownerPhone().sendText(ida, own, { offline: true, t: afterContact() });
    const again = await startCore(server, dir, { now, socketConfig });
    cores.push(again);
    await waitForState(again.controller, 'open');
    expect(again.outbox.get(waiting.id)).toBeDefined(); // it survived the restart …
    const cancelled = await waitForReply(again, (r) => r.id === waiting.id && r.status === 'cancelled', 15_000, 'cancelled after the restart');
    expect(cancelled.lastError).toBe(CANCEL_WORDS['owner-answered']); // … and the offline message cancelled it
    expect(ida.received).toEqual([]);
  });
  it('after a restart, a read on your phone that names the chat by its LID alone still finds the reply waiting there', async () => {
    const socketConfig = { shouldSyncHistoryMessage: () => false };
    const { core, dir } = await pairedCore({ socketConfig });
    await useRules(core, [replyRule({ graceMs: 10 * MIN })]);
    const lia = server.createContact({ name: 'Lia' });
    // By LID, with the number beside it: the link is learned (and kept on disk).
    registerSecret('Lia here, writing by LID');
    const id = await lia.sendText(server.defaultAccount, 'Lia here, writing by LID', { timestamp: Math.floor(now() / 1000), addressing: 'lid' });
    const waiting = await waitForReply(core, (r) => r.inboundId === id && r.status === 'queued');
    await core.close();
    cores.splice(cores.indexOf(core), 1);

    const again = await startCore(server, dir, { now, socketConfig });
    cores.push(again);
    await waitForState(again.controller, 'open');
    // The phone's read receipt names the chat by its LID only; the link from before the restart
    // makes it the chat the waiting reply belongs to.
    await server.ownerPhone().readSelf(lia.lid, [id]);
    const cancelled = await waitForReply(again, (r) => r.id === waiting.id && r.status === 'cancelled', 15_000, 'cancelled by the read');
    expect(cancelled.lastError).toBe(CANCEL_WORDS['owner-read']);
    expect(lia.received).toEqual([]);
  });

  it('a grace period that ran out while Replyline was closed: your answer from that time, in the offline backlog, still cancels the reply', async () => {
    const socketConfig = { shouldSyncHistoryMessage: () => false };
    const { core, dir } = await pairedCore({ socketConfig });
    await useRules(core, [replyRule({ graceMs: 1_000 })]);
    const kim = server.createContact({ name: 'Kim' });
    const id = await write(kim, 'Did my parcel arrive, Kim asks');
    const waiting = await waitForReply(core, (r) => r.inboundId === id && r.status === 'queued');
    await core.close();
    cores.splice(cores.indexOf(core), 1);

    const own = 'It did, it is at the front desk.';
    registerSecret(own);
    await server.ownerPhone().sendText(kim, own, { offline: true, t: afterContact() });
    await new Promise((r) => setTimeout(r, 1_200)); // the grace period is over before the restart
    const again = await startCore(server, dir, { now, socketConfig });
    cores.push(again);
    const cancelled = await waitForReply(again, (r) => r.id === waiting.id && r.status !== 'queued', 15_000, 'the reply decided after the restart');
    expect(cancelled).toMatchObject({ status: 'cancelled', lastError: CANCEL_WORDS['owner-answered'] });
    expect(kim.received).toEqual([]);
  });
});

describe('muting a chat', () => {
  it('a muted chat gets nothing, and the activity says why', async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule()]);
    const jo = server.createContact({ name: 'Jo' });
    const first = await write(jo, 'hi there, are you in today?');
    const reply = await waitForReply(core, (r) => r.inboundId === first && r.status === 'sent');
    const [row] = await ok(core, 'listReplies', { limit: 1 });
    expect(row!.id).toBe(reply.id);
    // Muted from the reply-log row, for an hour.
    await ok(core, 'muteChat', { chatId: row!.chatId!, minutes: 60 });
    shift += 11_000;
    const second = await write(jo, 'hello? anybody home?');
    expect(await decisionFor(core, second)).toMatchObject({ outcome: 'skipped', reason: 'muted' });
    expect(await decisionFor(core, second)).toMatchObject({ explanation: 'You muted this chat.', until: expect.any(Number) });
    expect(jo.received.map((m) => m.text)).toEqual(['Away: hi there, are you in today?']);
  });
});

describe('message kinds', () => {
  it('a voice note, a photo with and without caption, a reaction, an edit and a deletion each get the right decision', async () => {
    const { core } = await pairedCore();
    await useRules(core, [replyRule({ kinds: ['text', 'image'], reply: { type: 'template', text: 'Thanks for the {kind}: {message}' } })]);
    const send = async (name: string, content: Parameters<Contact['sendMessage']>[1]) => {
      const c = server.createContact({ name });
      return { contact: c, id: await c.sendMessage(server.defaultAccount, content, { timestamp: Math.floor(now() / 1000) }) };
    };
    const me = server.defaultAccount.phoneJid;

    const voice = await send('Kai', kinds.voiceNote());
    expect(await decisionFor(core, voice.id)).toMatchObject({ kind: 'voice', preview: '[voice message]', outcome: 'skipped', reason: 'kind-not-answered', explanation: 'No rule answers a voice message.' });

    const captioned = await send('Lea', kinds.image({ caption: 'my new bike' }));
    registerSecret('my new bike');
    const r1 = await waitForReply(core, (r) => r.inboundId === captioned.id && r.status === 'sent');
    expectDeliveredOnce(server, captioned.contact, r1.id, 'Thanks for the photo: my new bike');

    const bare = await send('Mo', kinds.image());
    const r2 = await waitForReply(core, (r) => r.inboundId === bare.id && r.status === 'sent');
    expectDeliveredOnce(server, bare.contact, r2.id, 'Thanks for the photo: [photo]');

    // Each contact reacts to, edits and deletes its own earlier message.
    const ned = server.createContact({ name: 'Ned' });
    const earlier = await write(ned, 'first draft');
    await waitForReply(core, (r) => r.inboundId === earlier && r.status === 'sent');
    shift += 11_000; // past the cooldown: whatever follows is judged for its kind alone
    const mine = { remoteJid: me, id: earlier, fromMe: true };
    const reaction = await ned.sendMessage(server.defaultAccount, kinds.reaction(mine, '👍'), { timestamp: Math.floor(now() / 1000) });
    const edit = await ned.sendMessage(server.defaultAccount, kinds.edit(mine, 'second draft'), { timestamp: Math.floor(now() / 1000) });
    const deletion = await ned.sendMessage(server.defaultAccount, kinds.revoke(mine), { timestamp: Math.floor(now() / 1000) });
    expect(await decisionFor(core, reaction)).toMatchObject({ kind: 'reaction', outcome: 'skipped', reason: 'kind-not-answered', explanation: 'Reactions are never answered.' });
    expect(await decisionFor(core, edit)).toMatchObject({ kind: 'edit', outcome: 'skipped', reason: 'kind-not-answered', explanation: 'Edits of earlier messages are never answered.' });
    expect(await decisionFor(core, deletion)).toMatchObject({ kind: 'deletion', outcome: 'skipped', reason: 'kind-not-answered', explanation: 'Deleted messages are never answered.' });
    expect(ned.received.map((m) => m.text)).toEqual(['Thanks for the text message: first draft']);
  });

  it('a missed call gets the missed-call reply, once; a call answered on your phone is not missed', async () => {
    const { core } = await pairedCore();
    await useRules(core, [
      replyRule(),
      replyRule({ id: 'call', name: 'Missed call', match: { type: 'missed-call' }, reply: { type: 'template', text: 'Sorry I missed your call — I’ll call back.' }, cooldownMs: 30 * MIN }),
    ]);
    const otto = server.createContact({ name: 'Otto' });
    const callId = await otto.missedCall(server.defaultAccount);
    const reply = await waitForReply(core, (r) => r.inboundId === callId && r.status === 'sent');
    expect(reply.ruleName).toBe('Missed call');
    expectDeliveredOnce(server, otto, reply.id, 'Sorry I missed your call — I’ll call back.');
    expect(await decisionFor(core, callId)).toMatchObject({ kind: 'missed-call', preview: '[missed call]', outcome: 'replied', ruleName: 'Missed call' });

    // A call answered on the owner's phone, then ended, is no missed call; one the caller hung up
    // before anyone answered is, and within the rule's own per-caller cooldown it is not
    // answered again.
    const answered = await otto.callOffer(server.defaultAccount);
    await server.ownerPhone().acceptCall(otto, answered);
    await otto.endCall(server.defaultAccount, answered, { reason: 'hangup' });
    const hungUp = await otto.callOffer(server.defaultAccount);
    await otto.endCall(server.defaultAccount, hungUp, { reason: 'hangup' });
    expect(await decisionFor(core, hungUp)).toMatchObject({ kind: 'missed-call', outcome: 'skipped', reason: 'cooldown' });
    await server.waitFor(() => server.pendingStanzas('call').length === 0, 5000, 'calls acked');
    await new Promise((r) => setTimeout(r, 300));
    expect(otto.received.map((m) => m.text)).toEqual(['Sorry I missed your call — I’ll call back.']);
    expect(core.activity.query({}).filter((a) => a.key.endsWith(`|${answered}`))).toEqual([]);
    // One decision per call: Baileys' own missed-call stub for the same call is not a second one.
    expect(core.activity.query({}).filter((a) => a.key.endsWith(`|${callId}`))).toHaveLength(1);
  });
});

describe('a message this computer cannot read', () => {
  it('no readable copy ever comes: an activity entry in plain words, never a reply; one that decrypts on a retry is answered as usual', async () => {
    const { core } = await pairedCore({ inbound: { unreadableWaitMs: 1_500 }, socketConfig: { retryRequestDelayMs: 10 } });
    await useRules(core, [replyRule()]);
    const uma = server.createContact({ name: 'Uma' });
    // Every copy arrives damaged: Baileys asks again up to its limit, then gives up.
    server.faults.corruptDeliveries(100);
    const lost = await write(uma, 'you will never read this');
    const entry = await decisionFor(core, lost);
    expect(entry).toMatchObject({ kind: 'other', outcome: 'skipped', reason: 'unreadable', preview: '[message]' });
    expect(entry.explanation).toBe('This message could not be read on this computer — open WhatsApp on your phone to see it. It was not answered.');
    expect(REASON_WORDS.unreadable).toBe('could not be read on this computer');
    server.faults.corruptDeliveries(0);
    // Only the first copy is damaged: the copy sent again decrypts, and it is answered once.
    const vic = server.createContact({ name: 'Vic' });
    server.faults.corruptDeliveries(1);
    const retried = await write(vic, 'second time lucky');
    const reply = await waitForReply(core, (r) => r.inboundId === retried && r.status === 'sent');
    expectDeliveredOnce(server, vic, reply.id, 'Away: second time lucky');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await decisionFor(core, retried)).toMatchObject({ outcome: 'replied' });
    expect(uma.received).toEqual([]);
    expect(core.replyLog.findByInbound(`${uma.phoneJid}|${lost}`)).toBeUndefined();
  });
});

describe('why no reply', () => {
  it('every reason appears, in plain words', async () => {
    const { core } = await pairedCore({ rateLimits: { global: { max: 2, windowMs: 60_000 }, perConversation: { max: 100, windowMs: 60_000 } } });
    const seen = new Map<string, ActivityView>();
    const decide = async (rules: Record<string, unknown>[], text: string, opts: { contact?: Contact; timestamp?: number } = {}) => {
      await ok(core, 'setRules', { rules });
      const contact = opts.contact ?? server.createContact({ name: `P${seen.size}` });
      registerSecret(text);
      const id = await contact.sendText(server.defaultAccount, text, { timestamp: opts.timestamp ?? Math.floor(now() / 1000) });
      const a = await decisionFor(core, id);
      if (a.reason) seen.set(a.reason, a);
      return { a, contact };
    };

    // Auto-reply off, then paused.
    expect((await decide([replyRule()], 'is auto-reply off today?')).a).toMatchObject({ reason: 'disabled', explanation: 'Auto-reply is off.' });
    await ok(core, 'setAutoReply', { enabled: true });
    await ok(core, 'pauseAutoReply', { until: now() + 60 * MIN });
    expect((await decide([replyRule()], 'is it paused right now?')).a.explanation).toBe('Auto-reply is paused.');
    await ok(core, 'pauseAutoReply', { until: null });

    // No rule matched; outside the schedule; contact not in scope.
    expect((await decide([replyRule({ match: { type: 'keywords', keywords: ['price'] } })], 'good morning')).a).toMatchObject({
      reason: 'no-match',
      explanation: 'The message does not match rule “Away”.',
    });
    const today = new Date(now()).getUTCDay(); // 0 = Sunday
    const otherDays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].filter((_, i) => i !== today);
    expect((await decide([replyRule({ schedule: { windows: [{ days: otherDays, start: '00:00', end: '24:00' }] } })], 'are you open on weekends?')).a).toMatchObject({
      reason: 'outside-schedule',
      explanation: expect.stringMatching(/^Rule “Away” works only during .+ 00:00–24:00, and this message came at another time\.$/),
    });
    expect((await decide([replyRule({ scope: { mode: 'only', contacts: ['+15550009999'] } })], 'will you answer me at all?')).a).toMatchObject({
      reason: 'out-of-scope',
      explanation: 'This contact is not among the contacts rule “Away” answers.',
    });

    // A group.
    await ok(core, 'setRules', { rules: [replyRule()] });
    const pia = server.createContact({ name: 'Pia' });
    const group = server.createGroup({ subject: 'Book club', members: [pia, server.defaultAccount] });
    registerSecret('who brings snacks?');
    const groupMsg = await group.sendText(pia, 'who brings snacks?');
    seen.set('group', await decisionFor(core, groupMsg));
    expect(seen.get('group')).toMatchObject({ reason: 'group', isGroup: true, explanation: 'Rule “Away” does not answer in groups.' });

    // Cooldown (until when), then the rate limit (2 a minute).
    const { contact: quinn } = await decide([replyRule()], 'first question from Quinn');
    const cooled = (await decide([replyRule()], 'second question from Quinn', { contact: quinn })).a;
    expect(cooled).toMatchObject({ reason: 'cooldown', ruleName: 'Away' });
    expect(cooled.explanation).toBe('Rule “Away” answered this chat a short while ago, so it waits before answering again.');
    expect(cooled.until).toBeGreaterThan(now());
    await decide([replyRule()], 'third question, another person');
    const limited = (await decide([replyRule()], 'fourth question, one more person')).a;
    expect(limited).toMatchObject({ reason: 'rate-limit' });
    expect(limited.explanation).toBe('Auto-replies are going out too fast (2 in the last minute), so the next one waits.');

    // Too old (it waited while Replyline was offline): to "missed while offline".
    shift += 2 * MIN; // the rate window is over
    const old = (await decide([replyRule()], 'from this morning', { timestamp: Math.floor((now() - 20 * MIN) / 1000) })).a;
    expect(old).toMatchObject({ reason: 'too-old', ruleName: 'Away' });
    expect(old.explanation).toMatch(/^This message arrived 2\d min after it was sent \(Replyline was offline\); rule “Away” would answer it, so it waits in “missed while offline” for you to send or skip\.$/);
    expect((await ok(core, 'listMissed')).map((m) => m.text)).toEqual(['from this morning']);

    // Kind not answered; chat muted; you answered yourself (and, cancelled, you read it).
    await ok(core, 'setRules', { rules: [replyRule({ kinds: ['text'] })] });
    const voiceFrom = server.createContact({ name: 'Rae' });
    const voice = await voiceFrom.sendMessage(server.defaultAccount, kinds.voiceNote(), { timestamp: Math.floor(now() / 1000) });
    seen.set('kind-not-answered', await decisionFor(core, voice));
    expect(seen.get('kind-not-answered')!.explanation).toBe('No rule answers a voice message.');

    const { contact: sam } = await decide([replyRule({ kinds: ['text'] })], 'please mute me, Sam here');
    const [chat] = await ok(core, 'listChats', { search: sam.name });
    await ok(core, 'muteChat', { chatId: chat!.chatId, minutes: null });
    expect((await decide([replyRule()], 'am I muted now, Sam asks', { contact: sam })).a).toMatchObject({ reason: 'muted', explanation: 'You muted this chat until you unmute it.' });

    const tess = server.createContact({ name: 'Tess' });
    registerSecret('on it, Tess — calling you');
    await server.ownerPhone().sendText(tess, 'on it, Tess — calling you');
    // Handled once try-a-rule notes it for that chat.
    for (let i = 0; ; i++) {
      const tried = await ok(core, 'tryRules', { text: 'x', contactNumber: `+${tess.phoneNumber}` });
      if (tried.notes.some((n) => n.text.startsWith('You wrote in this chat yourself'))) break;
      if (i > 500) throw new Error('the owner message never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await decide([replyRule()], 'thanks a lot, Tess says', { contact: tess })).a.reason).toBe('owner-answered');

    await ok(core, 'setRules', { rules: [replyRule({ graceMs: 10 * MIN })] });
    const uma = server.createContact({ name: 'Uma' });
    const umaMsg = await write(uma, 'please read me, Uma here');
    await waitForReply(core, (r) => r.inboundId === umaMsg && r.status === 'queued');
    await server.ownerPhone().readSelf(uma, [umaMsg]);
    seen.set('owner-read', await decisionFor(core, umaMsg, (a) => a.outcome === 'cancelled'));

    // Every reason of the list, each with a sentence.
    const expected = ['disabled', 'paused', 'no-match', 'outside-schedule', 'out-of-scope', 'group', 'cooldown', 'rate-limit', 'too-old', 'kind-not-answered', 'muted', 'owner-answered', 'owner-read'];
    expect([...seen.keys()].sort()).toEqual([...expected].sort());
    for (const a of seen.values()) expect(a.explanation).toMatch(/^[A-Z].+\.$/);
    // And the API shows them, numbers masked.
    const listed = await ok(core, 'listActivity', { limit: 100 });
    expect(JSON.stringify(listed)).not.toContain(server.defaultAccount.phoneNumber);
    for (const c of [pia, quinn, sam, tess, uma]) expect(JSON.stringify(listed)).not.toContain(c.phoneNumber);
  }, 120_000);
});
