/**
 * The app's log file, rotated by size so a process that runs for months keeps a bounded amount
 * of log: `replyline.1.log`, `replyline.2.log`, … in the logs folder, a new file once the current
 * one reaches `maxBytes`, and only the newest `files` kept (5 × 5 MB by default). pino-roll does
 * the rolling (a SonicBoom stream, like pino's own file destination); numbering continues across
 * restarts and old files from earlier runs are removed too.
 */
import path from 'node:path';
import pinoRoll from 'pino-roll';
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
