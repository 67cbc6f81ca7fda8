/**
 * Calling back a waiting reply from the reply pipeline (you answered, read, muted), wherever the
 * reply is: its text still being written by a slow responder, waiting behind another reply of
 * the same chat, or queued in the outbox. A cancelled reply never reaches WhatsApp, and each
 * cancel is in the reply log and the activity with its reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { deferred } from '../../../main/core/util/deferred.js';
import { ActivityLog } from '../../../main/core/activity/index.js';
import { ChatIds } from '../../../main/core/conversation/chat-ids.js';
import { Conversations } from '../../../main/core/conversation/conversations.js';
import { MuteStore } from '../../../main/core/conversation/mute-store.js';
import { OwnerActivity } from '../../../main/core/conversation/owner-activity.js';
import { CANCEL_WORDS, SAME_SECOND_CANCEL_WORDS, type RenderResult } from '../../../main/core/inbound/index.js';
import { inbound, openStack, type Stack } from './harness.js';
import { FakeLink } from '../outbox/fake-link.js';
import { settle, until } from '../outbox/helpers.js';

const CHAT = '15557770000@s.whatsapp.net';
const CHAT_KEY = 'p:15557770000';

function connected(): FakeLink {
  const link = new FakeLink();
  link.autoAck = true;
  link.connect();
  return link;
}

const stacks: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function stack(): Promise<Stack & { activity: ActivityLog; conversations: Conversations }> {
  const dir = tempDir('cancel-waiting-');
  const activity = await ActivityLog.open({ dir });
  const mutes = await MuteStore.open({ dir });
  const owner = await OwnerActivity.open({ dir });
  const conversations = new Conversations({ chatIds: ChatIds.withSalt(Buffer.alloc(32, 1)), mutes, owner });
  const s = await openStack(dir, { link: connected(), pipeline: { activity, conversations } });
  stacks.push({
    close: async () => {
      await s.close();
      await Promise.all([activity.close(), mutes.close(), owner.close()]);
    },
  });
  return Object.assign(s, { activity, conversations });
}

describe('cancelling a waiting reply', () => {
  it('while a slow responder writes it: it never reaches the outbox', async () => {
    const s = await stack();
    const text = deferred<RenderResult>();
    s.engine.render = () => text.promise;
    const msg = inbound({ text: 'slow one' });
    const handled = s.pipeline.handle(msg);
    await until(() => s.engine.rendered.length === 1, 'rendering');
    const [entry] = s.replyLog.open();
    expect(await s.pipeline.cancelInChat(CHAT_KEY, 'muted')).toBe(1);
    text.resolve({ ok: true, text: 'Auto: slow one' });
    expect(await handled).toEqual({ kind: 'cancelled', replyId: entry!.id });
    await settle();
    expect(s.outbox.get(entry!.id)).toBeUndefined();
    expect(s.link.sends).toEqual([]);
    expect(s.replyLog.get(entry!.id)).toMatchObject({ status: 'cancelled', lastError: CANCEL_WORDS.muted });
    expect(s.activity.get(msg.keys[0]!)).toMatchObject({ outcome: 'cancelled', reason: 'muted', explanation: `${CANCEL_WORDS.muted}.` });
  });

  it('while it waits behind another reply of the same chat: it is never written', async () => {
    const s = await stack();
    const first = deferred<RenderResult>();
    s.engine.render = (d) => (d.inbound.text === 'one' ? first.promise : Promise.resolve({ ok: true, text: `Auto: ${d.inbound.text}` }));
    const a = s.pipeline.handle(inbound({ text: 'one' }));
    const b = s.pipeline.handle(inbound({ text: 'two' }));
    await until(() => s.replyLog.open().length === 2 && s.engine.rendered.length === 1, 'both decided, the first being written');
    expect(await s.pipeline.cancelInChat(CHAT_KEY, 'muted')).toBe(2);
    first.resolve({ ok: true, text: 'Auto: one' });
    expect((await a).kind).toBe('cancelled');
    expect((await b).kind).toBe('cancelled');
    expect(s.engine.rendered.map((d) => d.inbound.text)).toEqual(['one']); // the second was never written
    expect(s.link.sends).toEqual([]);
  });

  it("the owner's own message cancels replies to older messages in that chat, not to newer ones or in other chats", async () => {
    const s = await stack();
    s.engine.delayMs = 60_000; // replies wait out a human-like delay
    const t = Date.now();
    const older = inbound({ text: 'older', timestamp: t - 5_000 });
    const otherChat = inbound({ text: 'elsewhere', timestamp: t - 5_000 }, '15557770001@s.whatsapp.net');
    await s.pipeline.handle(older);
    await s.pipeline.handle(otherChat);
    // The owner writes from the phone at t - 1 s; a contact message at t is decided later (offline sync order).
    const own = inbound({ id: 'OWNMSG01', text: 'I am on it', fromMe: true, timestamp: t - 1_000 });
    expect(await s.pipeline.handle(own)).toEqual({ kind: 'ignored', reason: 'own' });
    const [olderReply] = s.replyLog.query({ status: 'cancelled' });
    expect(olderReply).toMatchObject({ inboundId: older.message.id, lastError: CANCEL_WORDS['owner-answered'] });
    expect(s.replyLog.query({ status: 'queued' }).map((e) => e.inboundId)).toEqual([otherChat.message.id]);
    // A message written after the owner's, inside the pause: decided like any other by the
    // engine (the stub engine answers); the cancel only looked backwards.
    const newer = inbound({ text: 'newer', timestamp: t });
    expect((await s.pipeline.handle(newer)).kind).toBe('queued');
    expect(s.conversations.chatState(CHAT_KEY)).toEqual({ ownerWroteAt: t - 1_000 });
  });

  it('the owner writing in the same second as a waiting reply’s message cancels it, in its own words', async () => {
    const s = await stack();
    s.engine.delayMs = 60_000;
    const second = Math.floor(Date.now() / 1000) * 1000;
    const tie = inbound({ text: 'same second', timestamp: second });
    const before = inbound({ text: 'a second earlier', timestamp: second - 1_000 });
    await s.pipeline.handle(before);
    await s.pipeline.handle(tie);
    await s.pipeline.handle(inbound({ id: 'OWNTIE01', text: 'here', fromMe: true, timestamp: second }));
    expect(s.replyLog.get(s.replyLog.findByInbound(tie.keys[0]!)!.id)).toMatchObject({ status: 'cancelled', lastError: SAME_SECOND_CANCEL_WORDS });
    expect(s.activity.get(tie.keys[0]!)).toMatchObject({ outcome: 'cancelled', reason: 'owner-answered', explanation: `${SAME_SECOND_CANCEL_WORDS}.` });
    expect(s.activity.get(before.keys[0]!)).toMatchObject({ outcome: 'cancelled', explanation: `${CANCEL_WORDS['owner-answered']}.` });
    expect(s.link.sends).toEqual([]);
  });

  it("Replyline's own reply, echoed back as the account's message, cancels nothing", async () => {
    const s = await stack();
    s.engine.delayMs = 60_000;
    await s.pipeline.handle(inbound({ text: 'first' }));
    await s.pipeline.handle(inbound({ text: 'second' }));
    const [waiting] = s.replyLog.open();
    const echo = inbound({ id: waiting!.id, text: 'Auto: first', fromMe: true, timestamp: Date.now() + 1_000 });
    await s.pipeline.handle(echo);
    expect(s.replyLog.query({ status: 'cancelled' })).toEqual([]);
    expect(s.conversations.chatState(CHAT_KEY)).toBeUndefined();
  });

  it('a read on another device cancels only replies in their grace period, for messages read', async () => {
    const s = await stack();
    s.engine.delayMs = 60_000;
    const plain = inbound({ text: 'no grace' });
    await s.pipeline.handle(plain);
    // A decision with a grace period (what a rule with graceMs gives).
    const decide = s.engine.decide.bind(s.engine);
    s.engine.decide = (m, o) => {
      const d = decide(m, o);
      return d.kind === 'reply' ? { ...d, graceMs: 60_000 } : d;
    };
    const graced = inbound({ text: 'with grace' });
    await s.pipeline.handle(graced);
    expect(await s.pipeline.ownerRead(CHAT, [graced.message.id], Date.now())).toBe(1);
    expect(s.replyLog.query({ status: 'cancelled' }).map((e) => [e.inboundId, e.lastError])).toEqual([[graced.message.id, CANCEL_WORDS['owner-read']]]);
    expect(s.replyLog.query({ status: 'queued' }).map((e) => e.inboundId)).toEqual([plain.message.id]);
  });
});
