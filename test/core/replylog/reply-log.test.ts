import { describe, expect, expectTypeOf, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import {
  ReplyLog,
  toReplyView,
  type NewReplyLogEntry,
  type ReplyLogView,
  type ReplyStatus,
} from '../../../main/core/replylog/index.js';
import type { MissedView, ReplyStatus as ContractReplyStatus, ReplyView } from '../../../main/contract/api.js';
import type { MissedListView } from '../../../main/core/inbound/index.js';
import type { OutboxEntry } from '../../../main/core/outbox/index.js';
import { aesGcmCipher } from '../../../main/core/storage/cipher.js';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

let n = 0;
function entry(overrides: Partial<NewReplyLogEntry> = {}): NewReplyLogEntry {
  n++;
  return {
    id: `3EB0${String(n).padStart(18, '0')}`,
    contactName: 'Ann Example',
    contactMasked: '+1 ••• ••• 12 34',
    contactJid: '15551231234@s.whatsapp.net',
    chatJid: '15551231234@s.whatsapp.net',
    inboundId: `IN${n}`,
    inboundKey: `15551231234@s.whatsapp.net|IN${n}`,
    rule: { id: 'r1', name: 'Away' },
    text: '',
    ...overrides,
  };
}

function outboxEntry(id: string, patch: Partial<OutboxEntry>): OutboxEntry {
  return {
    id,
    chatJid: 'x@s.whatsapp.net',
    text: 'hello',
    createdAt: 0,
    notBefore: 0,
    expiresAt: null,
    typing: false,
    state: 'queued',
    attempts: 0,
    updatedAt: 0,
    ...patch,
  };
}

describe('ReplyLog', () => {
  it('uses the same status names as the window contract', () => {
    expectTypeOf<ReplyStatus>().toEqualTypeOf<ContractReplyStatus>();
  });

  it('record() keeps the same entry add() would, without handing a copy back', async () => {
    const dir = tempDir('replylog-');
    const log = await ReplyLog.open({ dir });
    const input = entry({ at: 1_000 });
    await expect(log.record(input)).resolves.toBeUndefined();
    const kept = log.get(input.id)!;
    expect(kept).toMatchObject({ id: input.id, status: 'generating', statusHistory: [{ status: 'generating', at: 1_000 }], attempts: 0 });
    await log.record({ ...input, text: 'other' });
    expect(log.get(input.id)).toEqual(kept);
    await log.close();
    const again = await ReplyLog.open({ dir });
    expect(again.get(input.id)).toEqual(kept);
    await again.close();
  });

  it('update: resolves for an unknown id or no change, and a failed write is a rejection, never a throw', async () => {
    const log = await ReplyLog.open({ dir: tempDir('replylog-') });
    const e = await log.add(entry());
    await expect(log.update('3EB0UNKNOWN', { status: 'queued' })).resolves.toBeUndefined();
    await expect(log.update(e.id, { status: 'generating' })).resolves.toBeUndefined();
    await log.close();
    let written: Promise<void> | undefined;
    expect(() => (written = log.update(e.id, { status: 'queued' }))).not.toThrow();
    await expect(written).rejects.toThrow(/closed/);
  });

  it('gives a resend the content of a reply handed to the socket, and nothing for one never sent', async () => {
    const dir = tempDir('replylog-');
    const log = await ReplyLog.open({ dir });
    const sent = await log.add(entry());
    const waiting = await log.add(entry());
    await log.applyOutbox(outboxEntry(sent.id, { state: 'sent', text: 'On holiday', attempts: 1 }));
    await log.applyOutbox(outboxEntry(waiting.id, { state: 'queued', text: 'Later' }));
    expect(log.messageFor(sent.id)).toEqual({ extendedTextMessage: { text: 'On holiday' } });
    expect(log.messageFor(waiting.id)).toBeUndefined();
    expect(log.messageFor('3EB0UNKNOWN')).toBeUndefined();
    expect(log.statusOf(sent.id)).toBe('sent');
    expect(log.statusOf(waiting.id)).toBe('queued');
    expect(log.statusOf('3EB0UNKNOWN')).toBeUndefined();
    await log.close();
    // After a restart too: the log is where a late retry request finds the text.
    const again = await ReplyLog.open({ dir });
    expect(again.messageFor(sent.id)).toEqual({ extendedTextMessage: { text: 'On holiday' } });
    await again.close();
  });

  it('records decisions with their status history and survives a restart', async () => {
    const dir = tempDir('replylog-');
    let now = 1_000;
    const log = await ReplyLog.open({ dir, now: () => now });
    const e = await log.add(entry({ job: { anything: 1 } }));
    now = 2_000;
    await log.applyOutbox(outboxEntry(e.id, { state: 'queued', text: 'On holiday' }));
    now = 3_000;
    await log.applyOutbox(outboxEntry(e.id, { state: 'sending', text: 'On holiday', attempts: 1 }));
    now = 4_000;
    await log.applyOutbox(
      outboxEntry(e.id, { state: 'queued', text: 'On holiday', attempts: 1, lastError: { kind: 'no-ack', message: 'no ack' } }),
    );
    await log.close();

    const again = await ReplyLog.open({ dir });
    expect(again.get(e.id)).toMatchObject({
      text: 'On holiday',
      status: 'queued',
      attempts: 1,
      lastError: 'no ack',
      statusHistory: [
        { status: 'generating', at: 1_000 },
        { status: 'queued', at: 2_000 },
        { status: 'sending', at: 3_000 },
        { status: 'queued', at: 4_000 },
      ],
    });
    expect(again.get(e.id)!.job).toBeUndefined();
    expect(again.findByInbound(e.inboundKey)?.id).toBe(e.id);
    await again.close();
  });

  it('announces each change with the entry as it is then; a change that changes nothing is neither announced nor written', async () => {
    const dir = tempDir('replylog-');
    const log = await ReplyLog.open({ dir });
    const seen: Array<{ status: ReplyStatus; history: number; attempts: number }> = [];
    log.on('change', (e) => seen.push({ status: e.status, history: e.statusHistory.length, attempts: e.attempts }));
    const e = await log.add(entry());
    await log.applyOutbox(outboxEntry(e.id, { state: 'sending', text: 'On holiday', attempts: 1 }));
    await log.flush();
    const size = statSync(ReplyLog.file(dir)).size;
    // The same again (the outbox announcing a change of something the log does not keep).
    await log.applyOutbox(outboxEntry(e.id, { state: 'sending', text: 'On holiday', attempts: 1 }));
    await log.flush();
    expect(statSync(ReplyLog.file(dir)).size).toBe(size);
    await log.update(e.id, { attempts: 2 });
    expect(seen).toEqual([
      { status: 'generating', history: 1, attempts: 0 },
      { status: 'sending', history: 2, attempts: 1 },
      { status: 'sending', history: 2, attempts: 2 },
    ]);
    await log.close();
    const again = await ReplyLog.open({ dir });
    expect(again.get(e.id)).toMatchObject({ status: 'sending', attempts: 2, statusHistory: [{ status: 'generating' }, { status: 'sending' }] });
    await again.close();
  });

  it('is queryable by contact, status and text, newest first', async () => {
    const log = await ReplyLog.open({ dir: tempDir('replylog-') });
    const a = await log.add(entry({ contactName: 'Ann', text: 'Back at five', status: 'sent' }));
    const b = await log.add(
      entry({ contactName: 'Bob', contactMasked: '+44 ••• ••• 01 23', contactJid: '447700900123@s.whatsapp.net', text: 'Out of office', status: 'failed' }),
    );
    const c = await log.add(entry({ contactName: 'Ann', text: 'Out until Monday', status: 'sent' }));
    const ids = (q: Parameters<ReplyLog['query']>[0]) => log.query(q).map((e) => e.id);
    expect(ids({})).toEqual([c.id, b.id, a.id]);
    expect(ids({ contact: 'ann' })).toEqual([c.id, a.id]);
    expect(ids({ contact: '0123' })).toEqual([b.id]); // the digits the masked number shows
    expect(ids({ contact: '7700900' })).toEqual([b.id]); // or digits the person typed from the full number
    expect(ids({ status: 'failed' })).toEqual([b.id]);
    expect(ids({ status: ['sent', 'failed'], search: 'OUT' })).toEqual([c.id, b.id]);
    expect(ids({ limit: 1 })).toEqual([c.id]);
    await log.close();
  });

  it('exports CSV with masked numbers and guarded cells', async () => {
    const log = await ReplyLog.open({ dir: tempDir('replylog-'), now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    await log.add(entry({ contactName: '=cmd|calc', text: 'Hi, "friend"\nsee you', status: 'sent' }));
    const csv = log.exportCsv();
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('Time,Contact,Number,Rule,Status,Attempts,Last error,Reply,Reply id,Inbound id');
    expect(csv).toContain(`2026-01-02T03:04:05.000Z,'=cmd|calc,'+1 ••• ••• 12 34,Away,sent,0,,"Hi, ""friend""\nsee you"`);
    expect(row).not.toContain('15551231234');
    await log.close();
  });

  it('keeps at most maxEntries: the oldest finished ones go, open ones stay', async () => {
    const dir = tempDir('replylog-');
    const log = await ReplyLog.open({ dir, maxEntries: 20, compactAfterRecords: 30 });
    const open = await log.add(entry({ status: 'generating' }));
    for (let i = 0; i < 60; i++) await log.add(entry({ status: 'sent', text: `t${i}` }));
    expect(log.size).toBe(20);
    expect(log.get(open.id)).toBeDefined();
    expect(log.query({ search: 't41' })).toHaveLength(1); // 1 open + the 19 newest finished
    expect(log.query({ search: 't40' })).toHaveLength(0);
    await log.close();
    const again = await ReplyLog.open({ dir, maxEntries: 20 });
    expect(again.size).toBe(20);
    expect(again.get(open.id)?.status).toBe('generating');
    await again.close();
  });

  it('holds 10,000 entries by default and drops the oldest beyond', async () => {
    const log = await ReplyLog.open({ dir: tempDir('replylog-') });
    const added = await Promise.all(Array.from({ length: 10_050 }, () => log.add(entry({ status: 'sent' }))));
    expect(log.size).toBe(10_000);
    expect(log.get(added[49]!.id)).toBeUndefined();
    expect(log.get(added[50]!.id)).toBeDefined();
    await log.close();
  });

  it('encrypts at rest when given a cipher', async () => {
    const dir = tempDir('replylog-');
    const cipher = aesGcmCipher(randomBytes(32));
    const log = await ReplyLog.open({ dir, cipher });
    await log.add(entry({ text: 'very personal words' }));
    await log.close();
    expect(readFileSync(path.join(dir, 'replies.log')).includes(Buffer.from('personal'))).toBe(false);
    const again = await ReplyLog.open({ dir, cipher });
    expect(again.query({ search: 'personal' })).toHaveLength(1);
    await again.close();
  });
});

describe('views for the window', () => {
  it('match the contract and leave out JIDs and jobs', async () => {
    const log = await ReplyLog.open({ dir: tempDir('replylog-') });
    const e = await log.add(entry({ job: { secret: true } }));
    const view = toReplyView(e);
    expectTypeOf(view).toEqualTypeOf<ReplyLogView>();
    expectTypeOf<ReplyLogView>().toExtend<ReplyView>();
    expectTypeOf<MissedListView>().toExtend<MissedView>();
    expect(JSON.stringify(view)).not.toContain('@s.whatsapp.net');
    expect(view).not.toHaveProperty('job');
    await log.close();
  });
});
