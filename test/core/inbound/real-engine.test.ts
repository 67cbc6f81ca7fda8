/**
 * The real auto-reply engine through the adapter: its decisions satisfy the pipeline's
 * `Decision` (checked by the compiler) and go through decide → render → queue → sent.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { AutoReplyEngine, validateRules, type Decision as EngineDecision } from '../../../main/core/autoreply/index.js';
import { DedupeStore, fromAutoReplyEngine, MissedStore, ReplyPipeline } from '../../../main/core/inbound/index.js';
import { Outbox } from '../../../main/core/outbox/index.js';
import { ReplyLog } from '../../../main/core/replylog/index.js';
import { FakeLink } from '../outbox/fake-link.js';
import { until } from '../outbox/helpers.js';
import { inbound } from './harness.js';

describe('pipeline with the real auto-reply engine', () => {
  it('answers with the rule template and records the rule', async () => {
    const dir = tempDir('pipe-real-');
    const parsed = validateRules([
      {
        id: 'away',
        name: 'Away',
        match: { type: 'any' },
        reply: { type: 'template', text: 'Hi {first_name}, back soon' },
        delay: { minMs: 0, maxMs: 0, typing: false },
      },
    ]);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const seen = new Set<string>();
    const engine = new AutoReplyEngine({
      clock: () => Date.now(),
      random: () => 0.5,
      timeZone: 'UTC',
      contactMemory: { hasSeen: (k) => seen.has(k), markSeen: (k) => void seen.add(k) },
    });
    const link = new FakeLink();
    link.autoAck = true;
    link.connect();
    const outbox = await Outbox.open({ dir, link });
    const replyLog = await ReplyLog.open({ dir });
    const dedupe = await DedupeStore.open({ dir });
    const missed = await MissedStore.open({ dir });
    const pipeline = new ReplyPipeline<EngineDecision>({
      engine: fromAutoReplyEngine(engine, () => ({ enabled: true, rules: parsed.rules })),
      outbox,
      replyLog,
      dedupe,
      missed,
      account: () => link.account(),
    });
    await pipeline.start();
    const outcome = await pipeline.handle(inbound({ senderName: 'Ann Example' }));
    expect(outcome.kind).toBe('queued');
    const replyId = (outcome as { replyId: string }).replyId;
    await until(() => replyLog.get(replyId)?.status === 'sent', 'sent');
    expect(link.sends.map((s) => s.text)).toEqual(['Hi Ann, back soon']);
    expect(replyLog.get(replyId)?.rule).toEqual({ id: 'away', name: 'Away' });
    pipeline.stop();
    await Promise.all([outbox.close(), replyLog.close(), dedupe.close(), missed.close()]);
  });
});
