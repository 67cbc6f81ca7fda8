/**
 * The app's log file, rotated by size so a process that runs for months keeps a bounded amount
 * of log: `replyline.1.log`, `replyline.2.log`, … in the logs folder, a new file once the current
 * one reaches `maxBytes`, and only the newest `files` kept (5 × 5 MB by default). pino-roll does
 * the rolling (a SonicBoom stream, like pino's own file destination); numbering continues across
 * restarts and old files from earlier runs are removed too.
 */
import path from 'node:path';
import type { SonicBoom } from 'sonic-boom';

export interface LogFileOptions {
  /** Size at which the next file starts (default 5 MB). */
  maxBytes?: number;
  /** Files kept, the current one included (default 5). */
  files?: number;
}

export const LOG_FILE_BASENAME = 'replyline';

export async function openLogFile(dir: string, options: LogFileOptions = {}): Promise<SonicBoom> {
  const files = options.files ?? 5;
  if (!Number.isInteger(files) || files < 2) throw new RangeError('keep at least 2 log files');
  // Loaded here, not with this module: it costs about 65 ms of CPU (DeferredLogFile below).
  const { default: pinoRoll } = await import('pino-roll');
  return pinoRoll({
    file: path.join(dir, LOG_FILE_BASENAME),
    extension: '.log',
    size: `${options.maxBytes ?? 5 * 1024 * 1024}b`,
    // pino-roll counts the files kept besides the current one.
    limit: { count: files - 1, removeOtherLogFiles: true },
    mkdir: true,
    sync: false,
  });
}

/** Lines held at most while the file is not open yet (a start logs a few dozen). */
const MAX_HELD_LINES = 10_000;

/**
 * The log file, opened a moment later: a log destination that holds the lines written until
 * `open()` has opened the file, then writes them there first, in order. Loading pino-roll (and
 * the date library it needs) costs about 65 ms of CPU, which headless mode spends after the
 * first QR or link rather than before it. Lines written before a crash that came before `open()`
 * reach only stderr (warn and up).
 */
export class DeferredLogFile {
  private held: string[] = [];
  private dropped = 0;
  private file: SonicBoom | undefined;
  private opening: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: LogFileOptions = {},
  ) {}

  write(line: string): boolean {
    if (this.file) return this.file.write(line);
    if (this.held.length < MAX_HELD_LINES) this.held.push(line);
    else this.dropped++;
    return true;
  }

  /** Open the file and write what was held (once; later calls wait for the same open). */
  open(): Promise<void> {
    return (this.opening ??= openLogFile(this.dir, this.options).then((file) => {
      for (const line of this.held) file.write(line);
      if (this.dropped > 0) {
        file.write(`${JSON.stringify({ level: 40, time: new Date().toISOString(), msg: `${this.dropped} log lines written before the log file opened were dropped` })}\n`);
      }
      this.held = [];
      this.file = file;
    }));
  }

  /** Open (if not yet) and flush, as the stream's own flush does (it does not wait for writes in flight). */
  async flush(): Promise<void> {
    await this.open();
    const file = this.file!;
    // The stream opens its file asynchronously; a flush before that has nothing to write to.
    // (`fd` is -1 until then; sonic-boom's types leave it out.)
    if ((file as unknown as { fd: number }).fd < 0) await new Promise<void>((resolve) => file.once('ready', () => resolve()));
    await new Promise<void>((resolve) => file.flush(() => resolve()));
  }
}
