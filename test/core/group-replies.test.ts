/**
 * Groups end to end: the whole core, the real Baileys client and a group on the fake server. A
 * rule that answers in groups only when the account is mentioned answers a mention once and
 * stays quiet otherwise; every member device (a contact's two devices, the owner's phone)
 * decrypts the reply exactly once.
 */
import { afterEach, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { kinds } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { echoRule, pairCore, startCore, useRules, waitForReply } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';

let server: FakeWaServer | undefined;
let core: Core | undefined;

afterEach(async () => {
  await core?.close();
  await server?.close();
});

it('a mention-only rule answers a mention once, never a message without one; every member decrypts the reply once', async () => {
  server = await startFakeWa();
  core = await startCore(server, tempDir());
  await pairCore(server, core);
  const me = server.defaultAccount;
  await useRules(core, [echoRule({ groups: 'mentioned' })]);
  const ada = server.createContact({ name: 'Ada' });
  const ben = server.createContact({ name: 'Ben', devices: 2 });
  const cal = server.createContact({ name: 'Cal' });
  const group = server.createGroup({ subject: 'Team', members: [ada, me, ben, cal] });
  const texts = ['lunch at noon?', `@${me.lidUser} can you come?`, 'ok see you', `@${me.phoneNumber} and you?`];
  for (const t of texts) {
    registerSecret(t);
    registerSecret(`Re: ${t}`);
  }

  const seen: string[] = [];
  core.controller.on('messages', ({ upsert }) => seen.push(...upsert.messages.map((m) => m.key.id ?? '')));

  // Not mentioned: no reply.
  const quiet = await group.sendText(ada, texts[0]!);
  // Mentioned by LID (how a LID group mentions): one reply.
  const asked = await group.sendMessage(ben, kinds.mention(texts[1]!, [me.lid]));
  await waitForReply(core, (r) => r.inboundId === asked && r.status === 'sent', 15_000, 'the reply to the mention');
  // Not mentioned again.
  const quiet2 = await group.sendText(cal, texts[2]!);
  // The core saw all three (the quiet ones too) before we look at what it answered.
  await until(() => [quiet, asked, quiet2].every((id) => seen.includes(id)), 10_000, 'the core to see every message');
  await core.pipeline.idle();
  await until(() => core!.outbox.diagnostics().pending === 0 && core!.outbox.diagnostics().sending === 0, 10_000, 'the outbox to drain');

  const log = core.replyLog.query({});
  expect(log.map((r) => [r.inboundId, r.chatJid, r.text, r.status])).toEqual([[asked, group.jid, `Re: ${texts[1]}`, 'sent']]);
  expect(log.some((r) => r.inboundId === quiet || r.inboundId === quiet2)).toBe(false);

  // The reply went to the group once and every member device decrypted it exactly once.
  const replyId = log[0]!.id;
  expect(server.record.clientMessages.filter((m) => m.id === replyId)).toHaveLength(1);
  const copies = server.record.groupMessages(group.jid).filter((m) => m.id === replyId);
  expect(copies.map((m) => [m.to, m.deviceId]).sort()).toEqual(
    [
      [ada.phoneJid, 0],
      [ben.phoneJid, 0],
      [ben.phoneJid, 1],
      [cal.phoneJid, 0],
      [me.phoneJid, 0],
    ].sort(),
  );
  expect(copies.every((m) => m.text === `Re: ${texts[1]}`)).toBe(true);
  expect(server.record.decryptErrors).toEqual([]);
});

it('a mention by phone number counts too, and a second mention within the cooldown gets no second reply', async () => {
  server = await startFakeWa();
  core = await startCore(server, tempDir());
  await pairCore(server, core);
  const me = server.defaultAccount;
  await useRules(core, [echoRule({ groups: 'mentioned' })]);
  const dee = server.createContact({ name: 'Dee' });
  const group = server.createGroup({ subject: 'Old style', members: [dee, me], addressing: 'pn' });
  const first = `@${me.phoneNumber} hi`;
  const second = `@${me.phoneNumber} hello again`;
  for (const t of [first, second]) {
    registerSecret(t);
    registerSecret(`Re: ${t}`);
  }
  const id = await group.sendMessage(dee, kinds.mention(first, [me.phoneJid]));
  await waitForReply(core, (r) => r.inboundId === id && r.status === 'sent', 15_000, 'the reply');
  const seen: string[] = [];
  core.controller.on('messages', ({ upsert }) => seen.push(...upsert.messages.map((m) => m.key.id ?? '')));
  const again = await group.sendMessage(dee, kinds.mention(second, [me.phoneJid]));
  await until(() => seen.includes(again), 10_000, 'the core to see the second mention');
  await core.pipeline.idle();
  expect(core.replyLog.query({}).map((r) => r.text)).toEqual([`Re: ${first}`]);
  const copies = server.record.groupMessages(group.jid).filter((m) => m.to === dee.phoneJid);
  expect(copies.map((m) => m.text)).toEqual([`Re: ${first}`]);
});
