/**
 * What the key log writes for a real libsignal conversation, pinned byte for byte: per batch,
 * each key's change from what the log holds (`diffTree(logged, current)` over trees from
 * `encodeValue`), whether a key is set once per batch, several times, deleted and set again, or
 * its batch failed and went out with the next one together with a key set while the failed write
 * was under way. And it all reads back. (The durable format: files written today must load.)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyLog } from '../../../main/core/session/key-log.js';
import { logCodec } from '../../../main/core/session/frame-codec.js';
import { RecordLog } from '../../../main/core/storage/record-log.js';
import { decodeValue, encodeValue, setOwn, type Tree } from '../../../main/core/session/tree-codec.js';
import { diffTree, UNCHANGED } from '../../../main/core/session/tree-diff.js';
import { tempDir } from '../../support/temp-dir.js';
import { sessionHistory } from './fixtures/session-history.js';

/** The records the key log is meant to write (the oracle): each batch diffed after the fact. */
class BatchOracle {
  private readonly logged = new Map<string, Tree>();
  private readonly current = new Map<string, Tree>();
  private touched: string[] = [];
  readonly records: string[] = [];

  set(id: string, value: unknown): void {
    if (!this.touched.includes(id)) this.touched.push(id);
    if (value === null) this.current.delete(id);
    else this.current.set(id, encodeValue(value, this.current.get(id)));
  }

  /** A batch written: its record, if it has changes. */
  written(): void {
    const d: Record<string, unknown> = {};
    for (const id of this.touched) {
      const base = this.logged.get(id);
      const next = this.current.get(id);
      let change: Tree | typeof UNCHANGED;
      if (next === undefined) change = base === undefined ? UNCHANGED : null;
      else change = base === undefined ? next : diffTree(base, next);
      if (change !== UNCHANGED) setOwn(d, id, change);
      if (next === undefined) this.logged.delete(id);
      else this.logged.set(id, next);
    }
    this.touched = [];
    if (Object.keys(d).length) this.records.push(JSON.stringify({ v: 1, d: { session: d } }));
  }

  /** The keys of the batch being written (a write that will fail, see `failed`). */
  take(): string[] {
    const taken = this.touched;
    this.touched = [];
    return taken;
  }

  /**
   * That batch failed: its keys go with the next one, against what the log still holds, after
   * the keys set while it was being written (the order the key log keeps them in).
   */
  failed(taken: string[]): void {
    this.touched.push(...taken.filter((id) => !this.touched.includes(id)));
  }

  value(id: string): unknown {
    const tree = this.current.get(id);
    return tree === undefined ? undefined : decodeValue(tree);
  }

  get ids(): string[] {
    return [...new Set([...this.current.keys(), ...this.logged.keys()])];
  }
}

async function loggedRecords(file: string): Promise<string[]> {
  const { log, records } = await RecordLog.open<unknown>(file, { parse: (v) => v, cipher: logCodec() });
  await log.close();
  return records.map((r) => JSON.stringify(r));
}

describe('key log records for a real conversation', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are each batch diffed against what the log holds, byte for byte, and read back', async () => {
    const history = await sessionHistory(4, 10);
    const file = path.join(tempDir(), 'keys.log');
    const keyLog = await KeyLog.open(file);
    const oracle = new BatchOracle();
    const probe = await fs.open(path.join(path.dirname(file), 'probe'), 'w');
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();

    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let i = 0;
    let batches = 0;
    let failures = 0;
    let deletes = 0;
    while (i < history.length) {
      // One to four writes per batch: the same key often comes twice (decrypt, then the reply).
      const size = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < size && i < history.length; j++, i++) {
        const { id, value } = history[i]!;
        if (rnd() < 0.04) {
          keyLog.set({ session: { [id]: null } });
          oracle.set(id, null);
          deletes++;
        }
        keyLog.set({ session: { [id]: value as never } });
        oracle.set(id, value);
      }
      if (batches % 9 === 4 && i < history.length) {
        // A failed write, and a key set while it was under way (against a tree the log never
        // got): all of it goes out with the next batch, diffed against what the log holds.
        let fail: (err: Error) => void = () => undefined;
        const sync = vi.spyOn(handleProto, 'sync').mockImplementationOnce(() => new Promise<void>((_, reject) => (fail = reject)));
        const callsBefore = sync.mock.calls.length;
        const taken = oracle.take();
        const flushed = keyLog.flush();
        while (sync.mock.calls.length === callsBefore) await new Promise((resolve) => setImmediate(resolve));
        const { id, value } = history[i++]!;
        keyLog.set({ session: { [id]: value as never } });
        oracle.set(id, value);
        fail(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
        await expect(flushed).rejects.toThrow('EIO');
        oracle.failed(taken);
        await keyLog.flush();
        oracle.written();
        failures++;
      } else {
        await keyLog.flush();
        oracle.written();
      }
      batches++;
    }
    await keyLog.close();
    expect(failures).toBeGreaterThan(2);
    expect(deletes).toBeGreaterThan(2);

    expect(await loggedRecords(file)).toEqual(oracle.records);
    const again = await KeyLog.open(file);
    for (const id of oracle.ids) {
      const expected = oracle.value(id);
      expect(again.get('session', [id])).toEqual(expected === undefined ? {} : { [id]: expected });
    }
    await again.close();
  });
});
