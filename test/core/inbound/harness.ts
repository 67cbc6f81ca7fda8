/** A stub engine and the full inbound → outbox stack on real files, for the pipeline tests. */
import path from 'node:path';
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
import { CommitLog, type CommitLogOptions } from '../../../main/core/storage/commit-log.js';
import { FakeLink } from '../outbox/fake-link.js';

export class StubEngine implements ReplyEngine {
  readonly decided: Array<{ message: InboundMessage; dryRun: boolean }> = [];
  readonly rendered: Decision[] = [];
  skipWhen: (m: InboundMessage) => boolean = () => false;
  delayMs = 0;
  render: (d: Decision) => Promise<RenderResult> = async (d) => ({ ok: true, text: `Auto: ${d.inbound.text}` });
  /** Set to answer at once (like a template); by default every reply takes the responder path. */
  instant: ((d: Decision) => RenderResult | undefined) | undefined;

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

  renderInstant(decision: Decision): RenderResult | undefined {
    const r = this.instant?.(decision);
    if (r) this.rendered.push(decision);
    return r;
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
  /** The shared commit log, when the stack was opened with `shared`. */
  commitLog?: CommitLog;
  close(): Promise<void>;
}

/** Where the stores keep their records: each its own file, or one shared commit log (as in the core). */
export type StoreLayout = 'own files' | 'shared commit log';

export async function openStack(
  dir: string,
  options: {
    link?: FakeLink;
    engine?: StubEngine;
    pipeline?: Partial<ReplyPipelineOptions>;
    layout?: StoreLayout;
    /** With the shared layout: the commit log's options (a small compaction policy, say). */
    commitLog?: CommitLogOptions;
  } = {},
): Promise<Stack> {
  const link = options.link ?? new FakeLink();
  const engine = options.engine ?? new StubEngine();
  const commitLog = options.layout === 'shared commit log' ? await CommitLog.open(path.join(dir, 'commit.log'), options.commitLog) : undefined;
  const outbox = await Outbox.open({ dir, link, commitLog });
  const replyLog = await ReplyLog.open({ dir, commitLog });
  const dedupe = await DedupeStore.open({ dir, commitLog });
  const missed = await MissedStore.open({ dir, commitLog });
  const pipeline = new ReplyPipeline({
    engine,
    outbox,
    replyLog,
    dedupe,
    missed,
    account: () => link.account(),
    commits: commitLog,
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
    commitLog,
    async close() {
      pipeline.stop();
      await Promise.all([outbox.close(), replyLog.close(), dedupe.close(), missed.close()]);
      await commitLog?.close();
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
