/**
 * The append-only record log: group commit, torn-tail recovery, quarantine of damage in the
 * middle, atomic rewrite, sealing, and the fixes that keep a failed write or a concurrent
 * append during rewrite from damaging the log.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordLog } from '../../../main/core/storage/record-log.js';
import { aesGcmCipher } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';

interface Rec {
  n: number;
  text?: string;
}
const parse = (v: unknown): Rec | undefined => (typeof (v as Rec)?.n === 'number' ? (v as Rec) : undefined);

async function fileHandlePrototype(dir: string): Promise<FileHandle> {
  const h = await fs.open(path.join(dir, 'probe'), 'w');
  await h.close();
  return Object.getPrototypeOf(h) as FileHandle;
}

async function openLog(file: string, cipher?: ReturnType<typeof aesGcmCipher>) {
  return RecordLog.open<Rec>(file, { parse, cipher });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RecordLog', () => {
  it('reads back what was appended, in order, dropping records parse rejects', async () => {
    const file = path.join(tempDir(), 'log');
    const { log, records } = await openLog(file);
    expect(records).toEqual([]);
    await log.append({ n: 1 }, { n: 2, text: 'två' });
    await log.append({ nope: true } as unknown as Rec);
    await log.append({ n: 3 });
    await log.close();
    const again = await openLog(file);
    expect(again.records).toEqual([{ n: 1 }, { n: 2, text: 'två' }, { n: 3 }]);
    expect(again.recovery).toEqual({ truncatedBytes: 0, dropped: 1 });
    await again.log.close();
    await expect(again.log.append({ n: 4 })).rejects.toThrow(/closed/);
  });

  it('group-commits: appends made together share one write and one fsync', async () => {
    const dir = tempDir();
    const proto = await fileHandlePrototype(dir);
    const { log } = await openLog(path.join(dir, 'log'));
    const sync = vi.spyOn(proto, 'sync');
    const write = vi.spyOn(proto, 'write');
    await Promise.all(Array.from({ length: 200 }, (_, n) => log.append({ n })));
    // The first append starts a batch at once; the other 199 join the one after it at most.
    expect(sync.mock.calls.length).toBeLessThanOrEqual(2);
    expect(write.mock.calls.length).toBeLessThanOrEqual(2);
    await log.close();
    const again = await openLog(path.join(dir, 'log'));
    expect(again.records.map((r) => r.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    await again.log.close();
  });

  it('cuts a torn tail off silently and keeps the records before it', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await openLog(file);
    await log.append({ n: 1 });
    await log.append({ n: 2, text: 'x'.repeat(100) });
    await log.close();
    const full = await fs.readFile(file);
    for (const cut of [full.length - 1, full.length - 60, full.length - 105]) {
      await fs.writeFile(file, full.subarray(0, cut));
      const again = await openLog(file);
      expect(again.records).toEqual([{ n: 1 }]);
      expect(again.recovery.truncatedBytes).toBeGreaterThan(0);
      expect(again.recovery.quarantinedTo).toBeUndefined();
      await again.log.append({ n: 3 }); // appends land right after the good prefix
      await again.log.close();
      expect((await openLog(file)).records).toEqual([{ n: 1 }, { n: 3 }]);
    }
  });

  it('treats a zero-filled tail (what a power cut can leave) as torn, not as damage', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await openLog(file);
    await log.append({ n: 1 });
    await log.close();
    await fs.appendFile(file, Buffer.alloc(4096));
    const again = await openLog(file);
    expect(again.records).toEqual([{ n: 1 }]);
    expect(again.recovery.quarantinedTo).toBeUndefined();
    expect(again.recovery.truncatedBytes).toBe(4096);
    await again.log.close();
  });

  it('quarantines a log damaged in the middle and keeps the good prefix', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'log');
    const { log } = await openLog(file);
    for (let n = 1; n <= 3; n++) await log.append({ n, text: 'y'.repeat(40) });
    await log.close();
    const bytes = await fs.readFile(file);
    const recordLen = bytes.length / 3;
    bytes[recordLen + 20]! ^= 0xff; // inside the second record
    await fs.writeFile(file, bytes);
    const again = await openLog(file);
    expect(again.records.map((r) => r.n)).toEqual([1]);
    expect(again.recovery.quarantinedTo).toMatch(/log\.corrupt-/);
    expect((await fs.readFile(again.recovery.quarantinedTo!)).equals(bytes)).toBe(true);
    expect((await fs.stat(file)).size).toBe(recordLen);
    await again.log.close();
  });

  it('rewrites the log atomically, and later appends follow the rewrite', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'log');
    const { log } = await openLog(file);
    for (let n = 0; n < 50; n++) await log.append({ n });
    const before = log.sizeBytes;
    await log.rewrite([{ n: 100 }]);
    expect(log.sizeBytes).toBeLessThan(before);
    expect((await fs.stat(file)).size).toBe(log.sizeBytes);
    await log.append({ n: 101 });
    await log.close();
    expect((await openLog(file)).records).toEqual([{ n: 100 }, { n: 101 }]);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('does not lose an append made while a rewrite is under way', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await openLog(file);
    await log.append({ n: 1 });
    const pendingBefore = log.append({ n: 2 }); // queued, not yet written
    const rewrite = log.rewrite([{ n: 10 }]);
    const during = log.append({ n: 11 });
    await Promise.all([pendingBefore, rewrite, during]);
    await log.close();
    // n: 2 was written before the rewrite replaced the file (the caller's snapshot decides);
    // n: 11 came after the rewrite was asked for, so it must follow it.
    expect((await openLog(file)).records).toEqual([{ n: 10 }, { n: 11 }]);
  });

  it('cuts off the part of a failed write, so the next append does not land behind garbage', async () => {
    const dir = tempDir();
    const proto = await fileHandlePrototype(dir);
    const file = path.join(dir, 'log');
    const { log } = await openLog(file);
    await log.append({ n: 1 });
    const realWrite = proto.write as (this: FileHandle, b: Uint8Array) => Promise<unknown>;
    vi.spyOn(proto, 'write').mockImplementationOnce(async function (this: FileHandle, buf: unknown) {
      // Half the frame reaches the file, then the disk is full.
      await realWrite.call(this, (buf as Buffer).subarray(0, 5));
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    } as unknown as FileHandle['write']);
    await expect(log.append({ n: 2 })).rejects.toThrow(/ENOSPC/);
    await log.append({ n: 3 });
    await log.close();
    const again = await openLog(file);
    expect(again.records).toEqual([{ n: 1 }, { n: 3 }]);
    expect(again.recovery.quarantinedTo).toBeUndefined();
    await again.log.close();
  });

  it('every append of a failed batch rejects, each caller on its own; the next batch is written', async () => {
    const dir = tempDir();
    const proto = await fileHandlePrototype(dir);
    const file = path.join(dir, 'log');
    const { log } = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    await log.append({ n: 1 });
    vi.spyOn(proto, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const together = [log.append({ n: 2 }), log.append({ n: 3 }, { n: 4 })];
    for (const p of together) await expect(p).rejects.toThrow(/EIO/);
    await log.append({ n: 5 });
    await log.close();
    // The failed batch was cut off the file; the next one follows the last durable record.
    const again = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    expect(again.records.map((r) => r.n)).toEqual([1, 5]);
    await again.log.close();
  });

  it('a record that cannot be serialised fails its append alone, before any of its records joins the batch', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    const first = log.append({ n: 1 });
    expect(() => log.append({ n: 2 }, { n: 3, text: 10n } as unknown as Rec)).toThrow(TypeError);
    await first;
    await log.close();
    const again = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    expect(again.records).toEqual([{ n: 1 }]);
    await again.log.close();
  });

  it('seals records with a cipher: no plaintext on disk, tampering is damage', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'log');
    const cipher = aesGcmCipher(Buffer.alloc(32, 4));
    const { log } = await openLog(file, cipher);
    await log.append({ n: 1, text: 'secret-text-1' }, { n: 2, text: 'secret-text-2' });
    await log.append({ n: 3, text: 'secret-text-3' });
    await log.close();
    const bytes = await fs.readFile(file);
    expect(bytes.toString('latin1')).not.toContain('secret-text');
    expect((await openLog(file, cipher)).records.map((r) => r.n)).toEqual([1, 2, 3]);

    // Tamper with the first record and fix up its CRC, as a deliberate edit would: the
    // authentication tag still catches it.
    const len = bytes.readUInt32BE(0);
    bytes[8 + len - 1]! ^= 0x01;
    bytes.writeUInt32BE(crc32(bytes.subarray(8, 8 + len)), 4);
    await fs.writeFile(file, bytes);
    const again = await openLog(file, cipher);
    expect(again.records).toEqual([]);
    expect(again.recovery.quarantinedTo).toBeDefined();
    await again.log.close();
  });

  it('with batchFrames, writes the records of one write as one frame, serialized when appended', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    const mutable: Rec = { n: 1 };
    const first = log.append(mutable, { n: 2 });
    mutable.text = 'changed after the append';
    await Promise.all([first, log.append({ n: 3 })]);
    await log.append({ n: 4 });
    await log.close();
    const bytes = await fs.readFile(file);
    const frames: string[] = [];
    for (let at = 0; at < bytes.length; at += 8 + bytes.readUInt32BE(at)) frames.push(bytes.subarray(at + 8, at + 8 + bytes.readUInt32BE(at)).toString());
    expect(frames).toEqual(['[{"n":1},{"n":2},{"n":3}]', '[{"n":4}]']);
    const again = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await again.log.close();
    // A frame that is not an array was not written by a batched log: damage, set aside.
    await fs.writeFile(file, Buffer.concat([bytes, RecordLog.encodeAll([{ n: 5 }], {}), RecordLog.encodeAll([{ n: 6 }], { batchFrames: true })]));
    const damaged = await RecordLog.open<Rec>(file, { parse, batchFrames: true });
    expect(damaged.records.map((r) => r.n)).toEqual([1, 2, 3, 4]);
    expect(damaged.recovery.quarantinedTo).toBeDefined();
    await damaged.log.close();
  });

  it('reads nothing with the wrong key, and sets the log aside', async () => {
    const file = path.join(tempDir(), 'log');
    const { log } = await openLog(file, aesGcmCipher(Buffer.alloc(32, 1)));
    await log.append({ n: 1 });
    await log.close();
    const again = await openLog(file, aesGcmCipher(Buffer.alloc(32, 2)));
    expect(again.records).toEqual([]);
    expect(again.recovery.quarantinedTo).toBeDefined();
    await again.log.close();
  });
});
