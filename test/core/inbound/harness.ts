/** A stub engine and the full inbound → outbox stack on real files, for the pipeline tests. */
import type { InboundMessage } from '../../../main/core/autoreply/inbound.js';
import {
  DedupeStore,
  MissedStore,
  ReplyPipeline,
  type Decision,
  type ReceivedMessage,
  type RenderResult,
  type ReplyEngine,
  type ReplyPipelineOptions,
  type Skip,
} from '../../../main/core/inbound/index.js';
import { Outbox } from '../../../main/core/outbox/index.js';
import { ReplyLog } from '../../../main/core/replylog/index.js';
import { FakeLink } from '../outbox/fake-link.js';

export class StubEngine implements ReplyEngine {
  readonly decided: Array<{ message: InboundMessage; dryRun: boolean }> = [];
  readonly rendered: Decision[] = [];
  skipWhen: (m: InboundMessage) => boolean = () => false;
  delayMs = 0;
  render: (d: Decision) => Promise<RenderResult> = async (d) => ({ ok: true, text: `Auto: ${d.inbound.text}` });

  decide(message: InboundMessage, options: { dryRun: boolean }): Decision | Skip {
    this.decided.push({ message, dryRun: options.dryRun });
    if (this.skipWhen(message)) return { kind: 'skip', reason: 'no-match' };
    const now = Date.now();
    const { id, chatJid, senderJid, senderPhone, senderName, text, timestamp, isGroup } = message;
    return {
      kind: 'reply',
      rule: { id: 'r1', name: 'Away' },
      chatJid: message.chatJid,
      decidedAt: now,
      notBefore: now + this.delayMs,
      typing: false,
      inbound: { id, chatJid, senderJid, senderPhone, senderName, text, timestamp, isGroup },
    };
  }

  renderReply(decision: Decision): Promise<RenderResult> {
    this.rendered.push(decision);
    return this.render(decision);
  }
}

export interface Stack {
  link: FakeLink;
  engine: StubEngine;
  outbox: Outbox;
  replyLog: ReplyLog;
  dedupe: DedupeStore;
  missed: MissedStore;
  pipeline: ReplyPipeline;
  close(): Promise<void>;
}

export async function openStack(
  dir: string,
  options: { link?: FakeLink; engine?: StubEngine; pipeline?: Partial<ReplyPipelineOptions> } = {},
): Promise<Stack> {
  const link = options.link ?? new FakeLink();
  const engine = options.engine ?? new StubEngine();
  const outbox = await Outbox.open({ dir, link });
  const replyLog = await ReplyLog.open({ dir });
  const dedupe = await DedupeStore.open({ dir });
  const missed = await MissedStore.open({ dir });
  const pipeline = new ReplyPipeline({
    engine,
    outbox,
    replyLog,
    dedupe,
    missed,
    account: () => link.account(),
    ...options.pipeline,
  });
  await pipeline.start();
  return {
    link,
    engine,
    outbox,
    replyLog,
    dedupe,
    missed,
    pipeline,
    async close() {
      pipeline.stop();
      await Promise.all([outbox.close(), replyLog.close(), dedupe.close(), missed.close()]);
    },
  };
}

let seq = 0;

export function inbound(overrides: Partial<InboundMessage> = {}, chat = '15557770000@s.whatsapp.net'): ReceivedMessage {
  const id = overrides.id ?? `IN${String(++seq).padStart(8, '0')}`;
  const message: InboundMessage = {
    id,
    chatJid: chat,
    senderJid: chat,
    senderPhone: chat.split('@')[0],
    senderName: 'Ann Example',
    text: 'are you there?',
    timestamp: Date.now(),
    fromMe: false,
    isGroup: false,
    mentionsMe: false,
    kind: 'chat',
    ...overrides,
  };
  return { message, keys: [`${message.chatJid}|${id}`], source: 'notify' };
}
