/**
 * Runs in every test worker before the test files: routes the core logger (and Baileys' lines,
 * at info level so their redaction is exercised) to a per-worker capture file that
 * global-setup.ts scans after the whole suite.
 */
import { mkdirSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { configureLogging } from '../../main/core/logging/logger.js';

export const CAPTURE_DIR = path.resolve('test-results/logs');

mkdirSync(CAPTURE_DIR, { recursive: true });
process.env.REPLYLINE_BAILEYS_LOG_LEVEL ??= 'info';
configureLogging({
  sink: pino.destination({ dest: path.join(CAPTURE_DIR, `worker-${process.pid}.jsonl`), sync: true, append: true }),
  level: 'debug',
});

/** Register a string (message text, secret) that must never appear in any log line. */
export function registerSecret(secret: string): void {
  appendFileSync(path.join(CAPTURE_DIR, `secrets-${process.pid}.txt`), JSON.stringify(secret) + '\n');
}
