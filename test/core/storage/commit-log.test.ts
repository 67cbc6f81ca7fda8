/**
 * The shared commit log: lanes get their own records back, appends of different lanes share one
 * write and one fsync, a transaction is all or nothing across a torn write, compaction rewrites
 * every lane's snapshot (keeping what is appended meanwhile and lanes nobody claimed), and store
 * files from before the commit log move in once, also across a crash in the middle of the move.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommitLog } from '../../../main/core/storage/commit-log.js';
import { aesGcmCipher } from '../../../main/core/storage/cipher.js';
import { RecordLog } from '../../../main/core/storage/record-log.js';
import type { StoreLog } from '../../../main/core/storage/store-log.js';
import { tempDir } from '../../support/temp-dir.js';

interface A {
  a: number;
}
interface B {
  b: string;
}
const parseA = (v: unknown): A | undefined => (typeof (v as A)?.a === 'number' ? (v as A) : undefined);
const parseB = (v: unknown): B | undefined => (typeof (v as B)?.b === 'string' ? (v as B) : undefined);
const cipher = aesGcmCipher(Buffer.alloc(32, 9));

async function fileHandlePrototype(dir: string): Promise<FileHandle> {
  const h = await fs.open(path.join(dir, 'probe'), 'w');
  await h.close();
  return Object.getPrototypeOf(h) as FileHandle;
}

/** A store stand-in: keeps its records in memory and gives them as its snapshot. */
function store<T>(log: StoreLog<T>, records: T[]) {
  const kept = [...records];
  log.compactWith({ snapshot: () => [...kept], liveRecords: () => kept.length });
  return {
    kept,
    add(r: T, tx?: Parameters<StoreLog<T>['append']>[1]) {
      kept.push(r);
      return log.append([r], tx);
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('CommitLog', () => {
  it('gives each lane its own records back, in order', async () => {
    const file = path.join(tempDir(), 'commit.log');
    const log = await CommitLog.open(file, { cipher });
    const a = log.lane('a', parseA);
    const b = log.lane('b', parseB);
    await Promise.all([a.lane.append([{ a: 1 }]), b.lane.append([{ b: 'x' }]), a.lane.append([{ a: 2 }, { a: 3 }])]);
    await b.lane.append([{ b: 'y' }, { nope: 1 } as unknown as B]);
    await log.close();
    expect((await fs.readFile(file)).toString('latin1')).not.toContain('"b"');

    const again = await CommitLog.open(file, { cipher });
    expect(again.lane('a', parseA).records).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const lb = again.lane('b', parseB);
    expect(lb.records).toEqual([{ b: 'x' }, { b: 'y' }]);
    expect(lb.dropped).toBe(1);
    expect(() => again.lane('a', parseA)).toThrow(/twice/);
    await again.close();
  });

  it('group-commits across lanes: appends made together share one write and one fsync', async () => {
    const dir = tempDir();
    const proto = await fileHandlePrototype(dir);
    const log = await CommitLog.open(path.join(dir, 'commit.log'));
    const a = log.lane('a', parseA).lane;
    const b = log.lane('b', parseB).lane;
    await a.append([{ a: 0 }]); // the file is open and idle
    const sync = vi.spyOn(proto, 'sync');
    const write = vi.spyOn(proto, 'write');
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a.append([{ a: i }]) : b.append([{ b: String(i) }]))));
    expect(sync).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledTimes(1);
    await log.close();
  });

  it('writes a transaction as one frame: a write torn anywhere keeps all of it or none', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'commit.log');
    const log = await CommitLog.open(file, { cipher });
    const a = log.lane('a', parseA).lane;
    const b = log.lane('b', parseB).lane;
    await a.append([{ a: 1 }]);
    const before = (await fs.stat(file)).size;
    const tx = log.begin();
    const staged = [a.append([{ a: 2 }], tx), b.append([{ b: 'two' }], tx), a.append([{ a: 3 }], tx)];
    await Promise.all([tx.commit(), ...staged]);
    await expect(a.append([{ a: 4 }], tx)).rejects.toThrow(/already committed/);
    await log.close();
    const full = await fs.readFile(file);
    expect(full.length).toBeGreaterThan(before);

    for (let cut = before; cut <= full.length; cut++) {
      await fs.writeFile(file, full.subarray(0, cut));
      const again = await CommitLog.open(file, { cipher });
      const as = again.lane('a', parseA).records.map((r) => r.a);
      const bs = again.lane('b', parseB).records.map((r) => r.b);
      if (cut < full.length) expect({ as, bs }).toEqual({ as: [1], bs: [] });
      else expect({ as, bs }).toEqual({ as: [1, 2, 3], bs: ['two'] });
      expect(again.recovery.quarantinedTo).toBeUndefined();
      await again.close();
    }
  });

  it('a failed transaction rejects every store that staged in it', async () => {
    const dir = tempDir();
    const proto = await fileHandlePrototype(dir);
    const log = await CommitLog.open(path.join(dir, 'commit.log'));
    const a = log.lane('a', parseA).lane;
    const b = log.lane('b', parseB).lane;
    vi.spyOn(proto, 'write').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    const tx = log.begin();
    const staged = [a.append([{ a: 1 }], tx), b.append([{ b: 'one' }], tx)];
    await expect(tx.commit()).rejects.toThrow(/ENOSPC/);
    for (const s of staged) await expect(s).rejects.toThrow(/ENOSPC/);
    await a.append([{ a: 2 }]);
    await log.close();
    const again = await CommitLog.open(path.join(dir, 'commit.log'));
    expect(again.lane('a', parseA).records).toEqual([{ a: 2 }]);
    expect(again.lane('b', parseB).records).toEqual([]);
    await again.close();
  });

  it('compacts to every lane’s snapshot once finished records dominate, keeping appends made meanwhile and unclaimed lanes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'commit.log');
    const first = await CommitLog.open(file);
    await first.lane('old', parseA).lane.append([{ a: -1 }]); // a lane the next version does not claim
    await first.close();

    const log = await CommitLog.open(file, { policy: { minRecords: 41, ratio: 2 } });
    const a = store(log.lane('a', parseA).lane, []);
    const bLane = log.lane('b', parseB).lane;
    const b = store(bLane, []);
    // Lane a keeps only its last record (a counter); lane b keeps everything.
    for (let i = 0; i < 30; i++) {
      a.kept.splice(0);
      await a.add({ a: i });
    }
    await b.add({ b: 'kept' });
    expect(log.recordCount).toBe(32);
    for (let i = 30; i < 38; i++) {
      a.kept.splice(0);
      await a.add({ a: i });
    }
    expect(log.compacting).toBe(false);
    // Record 41 crosses the policy (41 ≥ 2 × 3 live): what is appended after it lands in the new file.
    a.kept.splice(0);
    const crossing = a.add({ a: 39 });
    expect(log.compacting).toBe(true);
    const during = b.add({ b: 'during' });
    await Promise.all([crossing, during, log.flush()]);
    expect(log.recordCount).toBeLessThan(10);
    expect(bLane.recordCount).toBe(2);
    await log.close();

    const again = await CommitLog.open(file);
    expect(again.lane('a', parseA).records).toEqual([{ a: 39 }]);
    expect(again.lane('b', parseB).records).toEqual([{ b: 'kept' }, { b: 'during' }]);
    expect(again.lane('old', parseA).records).toEqual([{ a: -1 }]);
    await again.close();
  });

  it('moves store files from before the commit log in once, also after a crash between writing it and removing them', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'commit.log');
    const legacyA = path.join(dir, 'a', 'a.log');
    const legacyB = path.join(dir, 'b.log');
    const writeLegacy = async () => {
      const la = await RecordLog.open(legacyA, { parse: parseA, cipher });
      await la.log.append({ a: 1 }, { a: 2 });
      await la.log.close();
      const lb = await RecordLog.open(legacyB, { parse: parseB, cipher });
      await lb.log.append({ b: 'one' });
      await lb.log.close();
    };
    const legacy = [
      { lane: 'a', file: legacyA },
      { lane: 'b', file: legacyB },
      { lane: 'c', file: path.join(dir, 'never-existed.log') },
    ];
    await writeLegacy();
    const log = await CommitLog.open(file, { cipher, legacy });
    expect(log.lane('a', parseA).records).toEqual([{ a: 1 }, { a: 2 }]);
    const b = log.lane('b', parseB);
    expect(b.records).toEqual([{ b: 'one' }]);
    await b.lane.append([{ b: 'two' }]);
    await log.close();
    await expect(fs.stat(legacyA)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(legacyB)).rejects.toMatchObject({ code: 'ENOENT' });

    // The old files are back as a crash right after the commit log was written leaves them:
    // they are removed without being read in a second time.
    await writeLegacy();
    const again = await CommitLog.open(file, { cipher, legacy });
    expect(again.lane('a', parseA).records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(again.lane('b', parseB).records).toEqual([{ b: 'one' }, { b: 'two' }]);
    await again.close();
    await expect(fs.stat(legacyA)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
