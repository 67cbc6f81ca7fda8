/**
 * An append-only log of JSON records, the durable primitive behind the outbox, the inbound
 * dedupe set, the reply log and the reconnect history.
 *
 * Each record is framed as `[u32 length][u32 crc32][payload]`, the payload being UTF-8 JSON,
 * sealed by a `ByteCipher` when one is given. Appends are group-committed: every append waiting
 * at the same moment shares one write and one fsync, and its promise resolves only once the
 * bytes are on disk. A torn tail (a crash in the middle of a write) is cut off on open; a bad
 * record in the middle means the file is damaged: it is quarantined and the good prefix kept.
 * `rewrite()` compacts the log to a given set of records atomically.
 *
 * With `batchFrames`, a frame's payload is a JSON array of records and the records of one write
 * share one frame: sealed once, and all or nothing after a crash (a torn frame is cut off whole).
 * Each record is still serialized when it is appended, so later changes to the object do not leak
 * into what was written.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomic, quarantineFile } from './atomic-file.js';
import type { ByteCipher } from './cipher.js';
import { getLogger } from '../logging/logger.js';

const HEADER = 8;
/** A record larger than this is treated as damage, not data. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** A batched frame is closed once its JSON reaches this size (well below MAX_RECORD_BYTES). */
const BATCH_FRAME_BYTES = 256 * 1024;

export interface RecordLogOptions<T> {
  /** Validate one decoded record; return undefined to drop it (e.g. an old, unknown shape). */
  parse: (value: unknown) => T | undefined;
  cipher?: ByteCipher;
  /** Frames hold JSON arrays of records; the records of one write share one frame. */
  batchFrames?: boolean;
}

export interface RecordLogRecovery {
  /** Bytes cut off the end (a torn write). */
  truncatedBytes: number;
  /** Where the damaged file was moved, when it was damaged in the middle. */
  quarantinedTo?: string;
  /** Records that decoded but failed `parse`. */
  dropped: number;
}

interface PendingBatch {
  /** Encoded frames (one per record), or with `batchFrames` the records' JSON, framed at flush. */
  frames: Buffer[];
  json: string[];
  /**
   * Settles when the batch is durable (or failed): every append in the batch gets this one
   * promise, rather than a promise each (each costs the async hooks Baileys installs).
   */
  done: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RecordLog<T> {
  private pending: PendingBatch | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private bytes: number;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private readonly options: RecordLogOptions<T>,
    size: number,
  ) {
    this.bytes = size;
  }

  /** Open (or create) the log and read back every record in order. */
  static async open<T>(
    file: string,
    options: RecordLogOptions<T>,
  ): Promise<{ log: RecordLog<T>; records: T[]; recovery: RecordLogRecovery }> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      data = Buffer.alloc(0);
    }
    const { records, goodBytes, damagedInMiddle, dropped } = decodeAll(data, options);
    const recovery: RecordLogRecovery = { truncatedBytes: 0, dropped };
    const log = getLogger('record-log');
    if (damagedInMiddle) {
      recovery.quarantinedTo = await quarantineFile(file);
      await writeFileAtomic(file, data.subarray(0, goodBytes));
      log.warn({ file: path.basename(file), keptBytes: goodBytes }, 'damaged log quarantined; good records kept');
    } else if (goodBytes < data.length) {
      recovery.truncatedBytes = data.length - goodBytes;
      await fs.truncate(file, goodBytes);
      log.info({ file: path.basename(file), truncatedBytes: recovery.truncatedBytes }, 'torn tail cut off');
    }
    const handle = await fs.open(file, 'a', 0o600);
    return { log: new RecordLog(file, handle, options, goodBytes), records: records as T[], recovery };
  }

  /** The bytes a log holding exactly `records` consists of (for writing a new log file whole). */
  static encodeAll<T>(records: readonly T[], options: Pick<RecordLogOptions<T>, 'cipher' | 'batchFrames'>): Buffer {
    return Buffer.concat(
      options.batchFrames
        ? batchedFrames(records.map((r) => JSON.stringify(r)), options.cipher)
        : records.map((r) => encodeFrame(r, options.cipher)),
    );
  }

  /** Size of the log file in bytes. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Append records; resolves once they are durable. Appends made together share one fsync. */
  append(...records: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`record log closed: ${path.basename(this.file)}`));
    const batched = this.options.batchFrames === true;
    const json = batched ? records.map((r) => JSON.stringify(r)) : [];
    const frames = batched ? [] : records.map((r) => encodeFrame(r, this.options.cipher));
    let batch = this.pending;
    if (!batch) {
      let settle!: Pick<PendingBatch, 'resolve' | 'reject'>;
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const started: PendingBatch = { frames: [], json: [], done, ...settle };
      batch = this.pending = started;
      // Start the batch after the current write, so concurrent appends coalesce.
      this.writing = this.writing.then(() => this.flushBatch(started));
    }
    for (const f of frames) batch.frames.push(f);
    for (const j of json) batch.json.push(j);
    return batch.done;
  }

  private async flushBatch(batch: PendingBatch): Promise<void> {
    if (this.pending === batch) this.pending = null;
    try {
      const buf = batch.json.length > 0 ? Buffer.concat(batchedFrames(batch.json, this.options.cipher)) : Buffer.concat(batch.frames);
      await this.handle.write(buf);
      await this.handle.sync();
      this.bytes += buf.length;
      batch.resolve();
    } catch (err) {
      // A failed write may have left part of a frame: cut it off, or the next append would land
      // behind it and turn a failed append into damage in the middle of the log.
      await this.handle.truncate(this.bytes).catch(() => undefined);
      batch.reject(err);
    }
  }

  /** Replace the whole log with `records` (compaction), atomically. */
  async rewrite(records: readonly T[]): Promise<void> {
    const buf = RecordLog.encodeAll(records, this.options);
    // Queue behind the writes already started, and make appends from now on wait for the
    // rewrite (a new batch), so none of them lands in the file being replaced.
    this.pending = null;
    const run = this.writing.then(async () => {
      await this.handle.close();
      try {
        await writeFileAtomic(this.file, buf);
        this.bytes = buf.length;
      } finally {
        this.handle = await fs.open(this.file, 'a', 0o600);
      }
    });
    this.writing = run.catch(() => undefined);
    await run;
  }

  /** Wait for every append made so far to be durable. */
  async flush(): Promise<void> {
    await this.writing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.handle.close();
  }
}

function encodeFrame(record: unknown, cipher?: ByteCipher): Buffer {
  return framePayload(Buffer.from(JSON.stringify(record), 'utf8'), cipher);
}

/** Records' JSON as array payloads, one frame per BATCH_FRAME_BYTES or less. */
function batchedFrames(json: readonly string[], cipher?: ByteCipher): Buffer[] {
  const frames: Buffer[] = [];
  let part: string[] = [];
  let size = 0;
  const close = () => {
    frames.push(framePayload(Buffer.from(`[${part.join(',')}]`, 'utf8'), cipher));
    part = [];
    size = 0;
  };
  for (const j of json) {
    if (size > 0 && size + j.length > BATCH_FRAME_BYTES) close();
    part.push(j);
    size += j.length + 1;
  }
  if (part.length > 0) close();
  return frames;
}

function framePayload(plain: Buffer, cipher?: ByteCipher): Buffer {
  let payload = plain;
  if (cipher) payload = cipher.seal(payload);
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

function decodeAll<T>(
  data: Buffer,
  options: RecordLogOptions<T>,
): { records: T[]; goodBytes: number; damagedInMiddle: boolean; dropped: number } {
  const records: T[] = [];
  let offset = 0;
  let dropped = 0;
  while (offset < data.length) {
    if (data.length - offset < HEADER) break; // torn header at the end
    const len = data.readUInt32BE(offset);
    const crc = data.readUInt32BE(offset + 4);
    const end = offset + HEADER + len;
    if (len > MAX_RECORD_BYTES) {
      return { records, goodBytes: offset, damagedInMiddle: true, dropped };
    }
    if (end > data.length) break; // torn payload at the end
    const payload = data.subarray(offset + HEADER, end);
    if (len === 0 && isZero(data, offset)) break; // zero-filled tail a crash can leave: torn
    if (crc32(payload) !== crc) {
      // A bad checksum on the last record is a torn write; earlier, it is damage.
      return { records, goodBytes: offset, damagedInMiddle: end < data.length, dropped };
    }
    let value: unknown;
    try {
      const plain = options.cipher ? options.cipher.open(payload) : payload;
      value = JSON.parse(plain.toString('utf8'));
    } catch {
      return { records, goodBytes: offset, damagedInMiddle: true, dropped };
    }
    if (options.batchFrames) {
      // A frame that is not an array was not written by a batched log: damage.
      if (!Array.isArray(value)) return { records, goodBytes: offset, damagedInMiddle: true, dropped };
      for (const v of value) {
        const parsed = options.parse(v);
        if (parsed === undefined) dropped++;
        else records.push(parsed);
      }
    } else {
      const parsed = options.parse(value);
      if (parsed === undefined) dropped++;
      else records.push(parsed);
    }
    offset = end;
  }
  return { records, goodBytes: offset, damagedInMiddle: false, dropped };
}

function isZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
