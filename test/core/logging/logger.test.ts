/**
 * The logger as configured by the app: redaction at every level (debug and trace included), the
 * libraries' console routed through it, and the log file rotated by size.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { format } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { configureLogging, getLogger } from '../../../main/core/logging/logger.js';
import { DeferredLogFile, openLogFile } from '../../../main/core/logging/log-file.js';
import { redactString } from '../../../main/core/logging/redact.js';
import { CAPTURE_DIR } from '../../setup/log-capture.js';
import { findLeak } from '../../setup/privacy-patterns.js';
import { tempDir } from '../../support/temp-dir.js';

const JID = '15557770001@s.whatsapp.net';
const TEXT = 'please call me back about the invoice';
const QR = 'https://wa.me/settings/linked_devices#2@abcDEF123==,' + 'A'.repeat(43) + '=,' + 'B'.repeat(43) + '=,' + 'C'.repeat(43) + '=';
const TOKEN = 'Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O';
const HEX_KEY = 'a3f1'.repeat(16);

function memorySink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

// Put the suite's capture sink back for the files that run after this one in the worker.
afterAll(() => {
  configureLogging({
    sink: pino.destination({ dest: path.join(CAPTURE_DIR, `worker-${process.pid}.jsonl`), sync: true, append: true }),
    level: 'debug',
  });
});

describe('redaction at every level', () => {
  it.each(['trace', 'debug', 'info', 'error'] as const)('%s: no number, JID, message text, QR, token or key', (level) => {
    const { lines, stream } = memorySink();
    configureLogging({ sink: stream, level: 'trace' });
    const log = getLogger('test');
    log[level]({ jid: JID, text: TEXT, qr: QR, token: TOKEN, secret: 'hunter2-hunter2', apiKey: 'sk-live-123' }, `sent to ${JID}`);
    log[level](`raw: ${QR} Bearer ${TOKEN} key=${HEX_KEY} from +1 555 777 0001`);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(findLeak(line, [TEXT])).toBeUndefined();
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(HEX_KEY);
      expect(line).not.toContain('hunter2');
      expect(line).not.toContain('sk-live-123');
    }
  });

  it('redacts what a library prints through the console (a session dump with key bytes)', () => {
    const dump = format('Closing session:', { privKey: Buffer.from(HEX_KEY, 'hex'), baseKey: Buffer.alloc(33, 5) });
    const out = redactString(dump);
    expect(out).not.toMatch(/<Buffer [0-9a-f]{2} /);
    expect(out).not.toContain('a3 f1 a3 f1');
  });

  it('keeps what a log is for: ids, counts and file names', () => {
    const line = 'reply 3EB0A1B2C3D4E5F60718 attempt 2 of 5, socket 12, in outbox.log, data key session.key';
    expect(redactString(line)).toBe(line);
  });
});

describe('the log file', () => {
  it('rotates by size and keeps a fixed number of files', async () => {
    const dir = tempDir('replyline-logs-');
    const maxBytes = 20_000;
    const file = await openLogFile(dir, { maxBytes, files: 3 });
    configureLogging({ sink: file, level: 'info' });
    const log = getLogger('rotation');
    // About 150 kB, written in bursts as a busy app would.
    for (let i = 0; i < 1_000; i++) {
      log.info({ i, filler: 'x'.repeat(80) }, 'a line that fills the log');
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise<void>((resolve) => file.flush(() => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    const names = readdirSync(dir).filter((n) => n.endsWith('.log'));
    expect(names.length).toBeLessThanOrEqual(3);
    expect(names.length).toBeGreaterThanOrEqual(2);
    // A file may overshoot by the one write that crossed the limit (at most one 16 kB buffer).
    for (const n of names) expect(statSync(path.join(dir, n)).size).toBeLessThan(maxBytes + 16 * 1024);
    // The newest lines are there.
    const newest = names.map((n) => readFileSync(path.join(dir, n), 'utf8')).join('');
    expect(newest).toContain('"i":999');
    file.end();
  });

  it('opened later: the lines written before it opened come first, in order, then the rest', async () => {
    const dir = tempDir('replyline-logs-');
    const file = new DeferredLogFile(dir);
    configureLogging({ sink: file, level: 'info' });
    const log = getLogger('deferred');
    log.info({ n: 1 }, 'before the file');
    log.info({ n: 2 }, 'before the file');
    // Nothing on disk yet: the file is opened only when asked to.
    expect(readdirSync(dir).filter((n) => n.endsWith('.log'))).toEqual([]);
    await file.open();
    log.info({ n: 3 }, 'after the file opened');
    await file.flush();
    // The stream writes asynchronously (its flush does not wait for that): read until all is there.
    const numbers = () =>
      readFileSync(path.join(dir, 'replyline.1.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { n: number }).n);
    await expect.poll(numbers, { timeout: 5_000 }).toHaveLength(3);
    expect(numbers()).toEqual([1, 2, 3]);
  });

  it('opened later: flushing before it was opened opens it and writes what was held', async () => {
    const dir = tempDir('replyline-logs-');
    const file = new DeferredLogFile(dir);
    configureLogging({ sink: file, level: 'info' });
    getLogger('deferred').info('held until the flush');
    await file.flush();
    await expect.poll(() => readFileSync(path.join(dir, 'replyline.1.log'), 'utf8'), { timeout: 5_000 }).toContain('held until the flush');
  });
});
