import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WAMessage } from '@whiskeysockets/baileys';
import { tempDir } from '../../support/temp-dir.js';
import { registerSecret } from '../../setup/log-capture.js';
import { attachInbound, REASONS, type RenderResult } from '../../../main/core/inbound/index.js';
import { FakeLink } from '../outbox/fake-link.js';
import { settle, until } from '../outbox/helpers.js';
import { inbound, openStack as openHarnessStack, StubEngine, type StoreLayout } from './harness.js';

const MIN = 60_000;

function connected(): FakeLink {
  const link = new FakeLink();
  link.autoAck = true;
  link.connect();
  return link;
}

describe.each<StoreLayout>(['own files', 'shared commit log'])('ReplyPipeline, stores in %s', (layout) => {
  const openStack = (dir: string, options: Parameters<typeof openHarnessStack>[1] = {}) => openHarnessStack(dir, { layout, ...options });

  it('answers a fresh message once: decision logged, reply queued with its id, sent, reply log mirrors it', async () => {
    const s = await openStack(tempDir('pipe-'), { link: connected() });
    const text = 'are you free at six tonight';
    registerSecret(text);
    registerSecret(`Auto: ${text}`);
    const outcome = await s.pipeline.handle(inbound({ text }));
    expect(outcome.kind).toBe('queued');
    const replyId = (outcome as { replyId: string }).replyId;
    await until(() => s.replyLog.get(replyId)?.status === 'sent', 'sent in the reply log');
    expect(s.link.sends.map((c) => [c.messageId, c.text])).toEqual([[replyId, `Auto: ${text}`]]);
    const entry = s.replyLog.get(replyId)!;
    expect(entry).toMatchObject({
      contactName: 'Ann Example',
      contactMasked: '+1 ••• ••• 00 00',
      rule: { id: 'r1', name: 'Away' },
      text: `Auto: ${text}`,
      attempts: 1,
    });
    expect(entry.statusHistory.map((h) => h.status)).toEqual(['generating', 'queued', 'sending', 'sent']);
    expect(entry.job).toBeUndefined();
    await s.close();
  });

  it('never answers the same message twice: concurrent redelivery, later redelivery, and after a restart', async () => {
    const dir = tempDir('pipe-');
    const s = await openStack(dir, { link: connected() });
    const m = inbound();
    const [a, b] = await Promise.all([s.pipeline.handle(m), s.pipeline.handle(m)]);
    expect([a.kind, b.kind].sort()).toEqual(['duplicate', 'queued']);
    expect((await s.pipeline.handle(m)).kind).toBe('duplicate');
    const skipped = inbound();
    s.engine.skipWhen = () => true;
    expect((await s.pipeline.handle(skipped)).kind).toBe('skipped');
    await s.close();

    const again = await openStack(dir, { link: connected() });
    expect((await again.pipeline.handle(m)).kind).toBe('duplicate');
    expect((await again.pipeline.handle(skipped)).kind).toBe('duplicate');
    expect(again.engine.decided).toHaveLength(0);
    await settle();
    expect(again.link.sends).toHaveLength(0);
    await again.close();
  });

  it('never answers own messages, status, broadcasts or newsletters, even when the engine would', async () => {
    const s = await openStack(tempDir('pipe-'), { link: connected() });
    expect(await s.pipeline.handle(inbound({ fromMe: true }))).toEqual({ kind: 'ignored', reason: 'own' });
    expect(await s.pipeline.handle(inbound({ kind: 'status' }, 'status@broadcast'))).toEqual({ kind: 'ignored', reason: 'status' });
    expect(await s.pipeline.handle(inbound({ kind: 'broadcast' }, '1234567@broadcast'))).toEqual({ kind: 'ignored', reason: 'broadcast' });
    expect((await s.pipeline.handle(inbound({ kind: 'newsletter' }, '1203630000@newsletter'))).kind).toBe('ignored');
    // The engine still saw them (own messages tell it a contact is no stranger) …
    expect(s.engine.decided).toHaveLength(4);
    // … but nothing was recorded or sent.
    expect(s.replyLog.size).toBe(0);
    expect(s.dedupe.size).toBe(0);
    await settle();
    expect(s.link.allCalls()).toHaveLength(0);
    await s.close();
  });

  it('puts messages older than the catch-up window on the missed list instead of answering; send and skip from there', async () => {
    const dir = tempDir('pipe-');
    const s = await openStack(dir, { link: connected() });
    const old1 = inbound({ timestamp: Date.now() - 20 * MIN, text: 'old one' });
    const old2 = inbound({ timestamp: Date.now() - 16 * MIN, text: 'old two' }, '15557770001@s.whatsapp.net');
    const fresh = inbound({ timestamp: Date.now() - 14 * MIN });
    expect(await s.pipeline.handle(old1)).toEqual({ kind: 'missed', missedId: old1.keys[0] });
    expect((await s.pipeline.handle(old2)).kind).toBe('missed');
    expect((await s.pipeline.handle(fresh)).kind).toBe('queued');
    expect(s.missed.list().map((m) => [m.text, m.rule.name, m.contactMasked])).toEqual([
      ['old one', 'Away', '+1 ••• ••• 00 00'],
      ['old two', 'Away', '+1 ••• ••• 00 01'],
    ]);
    expect((await s.pipeline.handle(old1)).kind).toBe('duplicate');
    // The engine was asked which rule would answer without counting cooldowns or limits.
    expect(s.engine.decided.map((d) => d.dryRun)).toEqual([true, true, false]);
    await s.close();

    const again = await openStack(dir, { link: connected() });
    expect(again.missed.list()).toHaveLength(2);
    const [sent, doubleClick] = await Promise.all([again.pipeline.sendMissed(old1.keys[0]!), again.pipeline.sendMissed(old1.keys[0]!)]);
    expect(sent.ok).toBe(true);
    expect(doubleClick.ok).toBe(false);
    const replyId = (sent as { replyId: string }).replyId;
    expect(await again.pipeline.skipMissed(old2.keys[0]!)).toEqual({ ok: true });
    expect(again.missed.list()).toHaveLength(0);
    await until(() => again.replyLog.get(replyId)?.status === 'sent', 'missed reply sent');
    expect(again.link.sends.map((c) => c.text)).toEqual(['Auto: old one']);
    expect(await again.pipeline.sendMissed(old1.keys[0]!)).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    await again.close();
  });

  it('records the decision before a slow responder runs, and generates it again after a crash, once, with the same id', async () => {
    const dir = tempDir('pipe-');
    const engine = new StubEngine();
    engine.render = () => new Promise<RenderResult>(() => undefined); // the responder never answers: then the app dies
    const s = await openStack(dir, { engine });
    const m = inbound({ text: 'slow one' });
    void s.pipeline.handle(m);
    await until(() => s.replyLog.generating().length === 1 && s.dedupe.has(m.keys), 'generating recorded');
    const [generating] = s.replyLog.generating();
    expect(generating!.text).toBe('');
    expect(s.outbox.list()).toHaveLength(0);
    await s.close();

    const again = await openStack(dir, { link: connected() });
    await again.pipeline.idle();
    expect(again.engine.rendered.map((d) => d.inbound.text)).toEqual(['slow one']);
    await until(() => again.replyLog.get(generating!.id)?.status === 'sent', 'regenerated and sent');
    expect(again.link.sends.map((c) => c.messageId)).toEqual([generating!.id]);
    await again.close();

    const third = await openStack(dir, { link: connected() });
    await third.pipeline.idle();
    expect(third.engine.rendered).toHaveLength(0);
    await settle();
    expect(third.link.sends).toHaveLength(0);
    await third.close();
  });

  it('fails an interrupted reply with a plain reason when it is too old to generate again', async () => {
    const dir = tempDir('pipe-');
    const engine = new StubEngine();
    engine.render = () => new Promise<RenderResult>(() => undefined);
    const s = await openStack(dir, { engine });
    const m = inbound();
    void s.pipeline.handle(m);
    await until(() => s.replyLog.generating().length === 1 && s.dedupe.has(m.keys), 'generating recorded');
    const id = s.replyLog.generating()[0]!.id;
    await s.close();

    const later = Date.now() + 30 * MIN;
    const again = await openStack(dir, { link: connected(), pipeline: { now: () => later } });
    await again.pipeline.idle();
    expect(again.engine.rendered).toHaveLength(0);
    expect(again.replyLog.get(id)).toMatchObject({ status: 'failed', lastError: REASONS.tooOld });
    await again.close();
  });

  it('fails the reply with the responder error in plain words', async () => {
    const engine = new StubEngine();
    engine.render = async () => ({ ok: false, error: { message: 'the webhook answered 502' } });
    const s = await openStack(tempDir('pipe-'), { engine, link: connected() });
    const outcome = await s.pipeline.handle(inbound());
    expect(outcome).toMatchObject({ kind: 'failed', error: 'The reply could not be written: the webhook answered 502' });
    const id = (outcome as { replyId: string }).replyId;
    expect(s.replyLog.get(id)).toMatchObject({ status: 'failed', lastError: 'The reply could not be written: the webhook answered 502' });
    expect(s.outbox.list()).toHaveLength(0);
    await s.close();
  });

  it('queues replies in a chat in the order their messages came, even when the first responder is slower', async () => {
    const engine = new StubEngine();
    let releaseFirst!: () => void;
    engine.render = (d) =>
      d.inbound.text === 'first'
        ? new Promise((r) => (releaseFirst = () => r({ ok: true, text: 'reply 1' })))
        : Promise.resolve({ ok: true, text: 'reply 2' });
    const s = await openStack(tempDir('pipe-'), { engine });
    const first = s.pipeline.handle(inbound({ text: 'first' }));
    const second = s.pipeline.handle(inbound({ text: 'second' }));
    await until(() => engine.rendered.length === 1, 'first rendering');
    await settle();
    expect(s.outbox.list()).toHaveLength(0);
    releaseFirst();
    await Promise.all([first, second]);
    expect(s.outbox.list().map((e) => e.text)).toEqual(['reply 1', 'reply 2']);
    await s.close();
  });

  it('applies the human-like delay from the decision time', async () => {
    const engine = new StubEngine();
    engine.delayMs = 5_000;
    const s = await openStack(tempDir('pipe-'), { engine });
    const before = Date.now();
    await s.pipeline.handle(inbound());
    const [e] = s.outbox.list();
    expect(e!.notBefore).toBeGreaterThanOrEqual(before + 5_000);
    expect(e!.notBefore).toBeLessThanOrEqual(Date.now() + 5_000);
    await s.close();
  });

  it('is fed by the link: notify and append upserts become replies or missed entries', async () => {
    const link = connected();
    const s = await openStack(tempDir('pipe-'), { link });
    const unsubscribe = attachInbound(link, s.pipeline);
    const wa = (id: string, t: number) =>
      ({ key: { remoteJid: '15557770000@s.whatsapp.net', id, fromMe: false }, message: { conversation: 'yo' }, messageTimestamp: t }) as unknown as WAMessage;
    const nowS = Math.floor(Date.now() / 1000);
    link.emit('messages', { socketId: 1, upsert: { type: 'notify', messages: [wa('LIVE1', nowS)] } });
    link.emit('messages', { socketId: 1, upsert: { type: 'append', messages: [wa('SYNC1', nowS - 3600), wa('LIVE1', nowS)] } });
    await until(() => link.sends.length === 1 && s.missed.list().length === 1, 'reply and missed');
    await s.pipeline.idle();
    expect(s.missed.list()[0]!.id).toBe('15557770000@s.whatsapp.net|SYNC1');
    unsubscribe();
    await s.close();
  });
});

describe('ReplyPipeline on a shared commit log: a reply that needs no waiting', () => {
  const instantEngine = () => {
    const engine = new StubEngine();
    engine.instant = (d) => ({ ok: true, text: `Auto: ${d.inbound.text}` });
    return engine;
  };
  const openShared = (dir: string, options: Parameters<typeof openHarnessStack>[1] = {}) =>
    openHarnessStack(dir, { layout: 'shared commit log', engine: instantEngine(), ...options });

  async function fileHandlePrototype(dir: string): Promise<FileHandle> {
    const h = await fs.open(path.join(dir, 'probe'), 'w');
    await h.close();
    return Object.getPrototypeOf(h) as FileHandle;
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes the decision, the seen mark and the outbox entry in one write and one fsync; the log says queued once that is durable', async () => {
    const dir = tempDir('pipe-');
    const proto = await fileHandlePrototype(dir);
    const s = await openShared(dir);
    await s.commitLog!.flush();
    const sync = vi.spyOn(proto, 'sync');
    const write = vi.spyOn(proto, 'write');
    // What had been written when the outbox entry became durable (its change event).
    const atDurable: Array<{ writes: number; syncs: number }> = [];
    s.outbox.on('change', ({ previous }) => {
      if (previous === undefined) atDurable.push({ writes: write.mock.calls.length, syncs: sync.mock.calls.length });
    });
    const m = inbound({ text: 'one write' });
    const handled = s.pipeline.handle(m);
    // Decided and staged, not durable yet: the log does not say queued.
    expect(s.replyLog.query({}).map((e) => e.status)).toEqual(['generating']);
    const outcome = await handled;
    expect(outcome.kind).toBe('queued');
    expect(atDurable).toEqual([{ writes: 1, syncs: 1 }]);
    const replyId = (outcome as { replyId: string }).replyId;
    const check = (stack: typeof s) => {
      expect(stack.replyLog.get(replyId)).toMatchObject({ status: 'queued', text: 'Auto: one write', inboundKey: m.keys[0] });
      expect(stack.replyLog.get(replyId)!.job).toBeUndefined();
      expect(stack.dedupe.has(m.keys)).toBe(true);
      expect(stack.outbox.list().map((e) => [e.id, e.state, e.text])).toEqual([[replyId, 'queued', 'Auto: one write']]);
    };
    check(s);
    vi.restoreAllMocks();
    await s.close();

    const again = await openShared(dir);
    check(again);
    expect((await again.pipeline.handle(m)).kind).toBe('duplicate');
    again.link.autoAck = true;
    again.link.connect();
    await until(() => again.replyLog.get(replyId)?.status === 'sent', 'sent');
    expect(again.replyLog.get(replyId)!.statusHistory.map((h) => h.status)).toEqual(['generating', 'queued', 'sending', 'sent']);
    expect(again.link.sends.map((c) => [c.messageId, c.text])).toEqual([[replyId, 'Auto: one write']]);
    expect(again.engine.rendered).toHaveLength(0);
    await again.close();
  });

  it('lets concurrent decisions share the write too', async () => {
    const dir = tempDir('pipe-');
    const proto = await fileHandlePrototype(dir);
    const s = await openShared(dir);
    await s.commitLog!.flush();
    const sync = vi.spyOn(proto, 'sync');
    let syncsWhenAllDurable = -1;
    let durable = 0;
    s.outbox.on('change', ({ previous }) => {
      if (previous === undefined && ++durable === 20) syncsWhenAllDurable = sync.mock.calls.length;
    });
    const messages = Array.from({ length: 20 }, (_, i) => inbound({ text: `m${i}` }, `1555777${String(i).padStart(4, '0')}@s.whatsapp.net`));
    const outcomes = await Promise.all(messages.map((m) => s.pipeline.handle(m)));
    expect(outcomes.every((o) => o.kind === 'queued')).toBe(true);
    // The first decision's write starts at once; the other 19 share the next one.
    expect(syncsWhenAllDurable).toBeGreaterThan(0);
    expect(syncsWhenAllDurable).toBeLessThanOrEqual(2);
    expect(s.outbox.list()).toHaveLength(20);
    vi.restoreAllMocks();
    await s.close();
  });

  it('waits behind a reply of the same chat that is still being made, to keep the chat’s order', async () => {
    const engine = instantEngine();
    let releaseFirst!: () => void;
    engine.instant = (d) => (d.inbound.text === 'first' ? undefined : { ok: true, text: `Auto: ${d.inbound.text}` });
    engine.render = (d) =>
      d.inbound.text === 'first'
        ? new Promise((r) => (releaseFirst = () => r({ ok: true, text: 'reply 1' })))
        : Promise.resolve({ ok: true, text: `Auto: ${d.inbound.text}` });
    const s = await openShared(tempDir('pipe-'), { engine });
    const first = s.pipeline.handle(inbound({ text: 'first' }));
    const second = s.pipeline.handle(inbound({ text: 'second' }));
    const otherChat = await s.pipeline.handle(inbound({ text: 'elsewhere' }, '15557770009@s.whatsapp.net'));
    expect(otherChat.kind).toBe('queued');
    await until(() => engine.rendered.length === 2, 'rendering');
    await settle();
    expect(s.outbox.list().map((e) => e.text)).toEqual(['Auto: elsewhere']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(s.outbox.list().map((e) => e.text)).toEqual(['Auto: elsewhere', 'reply 1', 'Auto: second']);
    await s.close();
  });

  it('fails a reply that renders empty, and marks the message seen, in one write', async () => {
    const engine = instantEngine();
    engine.instant = () => ({ ok: true, text: '  ' });
    const s = await openShared(tempDir('pipe-'), { engine });
    const m = inbound();
    const outcome = await s.pipeline.handle(m);
    expect(outcome).toMatchObject({ kind: 'failed', error: 'The reply could not be written: the reply came back empty' });
    expect(s.replyLog.get((outcome as { replyId: string }).replyId)).toMatchObject({ status: 'failed', text: '' });
    expect(s.dedupe.has(m.keys)).toBe(true);
    expect(s.outbox.list()).toHaveLength(0);
    await s.close();
  });
});
