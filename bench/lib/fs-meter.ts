/**
 * Counts what the process writes to disk under a folder: bytes, write calls, fsyncs, files
 * created. It wraps `fs/promises` (writeFile, appendFile, open) and `FileHandle`'s write methods,
 * then syncs the builtin ESM exports, so code that imported `{ writeFile } from 'fs/promises'`
 * (Baileys' useMultiFileAuthState does) is counted too.
 */
import type fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

export interface FsCounts {
  bytes: number;
  writes: number;
  fsyncs: number;
  opens: number;
}

type Counter = { root: string; counts: FsCounts };
const counters = new Set<Counter>();
const handlePaths = new WeakMap<object, string>();
let installed = false;

function countFor(file: string | undefined, f: (c: FsCounts) => void): void {
  if (!file) return;
  const abs = path.resolve(file);
  for (const c of counters) if (abs === c.root || abs.startsWith(c.root + path.sep)) f(c.counts);
}

function sizeOf(data: unknown, encoding?: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

function install(): void {
  if (installed) return;
  installed = true;
  const origOpen = fsp.open.bind(fsp);
  const origWriteFile = fsp.writeFile.bind(fsp);
  const origAppendFile = fsp.appendFile.bind(fsp);
  fsp.open = (async (file: fs.PathLike, ...rest: unknown[]) => {
    const handle = await (origOpen as (...a: unknown[]) => Promise<FileHandle>)(file, ...rest);
    handlePaths.set(handle, String(file));
    countFor(String(file), (c) => c.opens++);
    return handle;
  }) as typeof fsp.open;
  fsp.writeFile = (async (file: unknown, data: unknown, options?: unknown) => {
    const p = typeof file === 'string' || file instanceof URL || Buffer.isBuffer(file) ? String(file) : handlePaths.get(file as object);
    countFor(p, (c) => {
      c.writes++;
      c.bytes += sizeOf(data, typeof options === 'string' ? options : (options as { encoding?: unknown } | undefined)?.encoding);
    });
    return (origWriteFile as (...a: unknown[]) => Promise<void>)(file, data, options);
  }) as typeof fsp.writeFile;
  fsp.appendFile = (async (file: unknown, data: unknown, options?: unknown) => {
    countFor(String(file), (c) => {
      c.writes++;
      c.bytes += sizeOf(data);
    });
    return (origAppendFile as (...a: unknown[]) => Promise<void>)(file, data, options);
  }) as typeof fsp.appendFile;
  // fs.promises is the same object as node:fs/promises.
  syncBuiltinESMExports();
}

/** FileHandle's methods live on its prototype; patch them once, finding it through a real handle. */
async function installHandlePatches(): Promise<void> {
  const probe = await fsp.open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe) as Record<string, unknown> & { __benchPatched?: boolean };
  await probe.close();
  if (proto.__benchPatched) return;
  proto.__benchPatched = true;
  const write = proto.write as (...a: unknown[]) => Promise<unknown>;
  const writeFile = proto.writeFile as (...a: unknown[]) => Promise<unknown>;
  const appendFile = proto.appendFile as (...a: unknown[]) => Promise<unknown>;
  const sync = proto.sync as (...a: unknown[]) => Promise<unknown>;
  const datasync = proto.datasync as (...a: unknown[]) => Promise<unknown>;
  proto.write = function (this: object, data: unknown, ...rest: unknown[]) {
    countFor(handlePaths.get(this), (c) => {
      c.writes++;
      // write(buffer, offset?, length?) or write(string, position?, encoding?)
      const length = ArrayBuffer.isView(data) && typeof rest[1] === 'number' ? rest[1] : sizeOf(data, rest[1]);
      c.bytes += length;
    });
    return write.call(this, data, ...rest);
  };
  proto.writeFile = function (this: object, data: unknown, ...rest: unknown[]) {
    countFor(handlePaths.get(this), (c) => {
      c.writes++;
      c.bytes += sizeOf(data);
    });
    return writeFile.call(this, data, ...rest);
  };
  proto.appendFile = function (this: object, data: unknown, ...rest: unknown[]) {
    countFor(handlePaths.get(this), (c) => {
      c.writes++;
      c.bytes += sizeOf(data);
    });
    return appendFile.call(this, data, ...rest);
  };
  proto.sync = function (this: object) {
    countFor(handlePaths.get(this), (c) => c.fsyncs++);
    return sync.call(this);
  };
  proto.datasync = function (this: object) {
    countFor(handlePaths.get(this), (c) => c.fsyncs++);
    return datasync.call(this);
  };
}

/** Start counting writes under `root`. Call `stop()` for the totals. */
export async function meterWrites(root: string): Promise<{ counts: FsCounts; stop: () => FsCounts }> {
  install();
  await installHandlePatches();
  const counter: Counter = { root: path.resolve(root), counts: { bytes: 0, writes: 0, fsyncs: 0, opens: 0 } };
  counters.add(counter);
  return {
    counts: counter.counts,
    stop: () => {
      counters.delete(counter);
      return { ...counter.counts };
    },
  };
}
