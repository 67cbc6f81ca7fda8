/**
 * The message texts and secrets a test registers for the suite-wide log privacy check
 * (global-setup.ts reads them after the suite). No side effects on import, so the shared test
 * harness (and the benchmarks that import it) can use it without the log capture.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export const CAPTURE_DIR = path.resolve('test-results/logs');

/** Register a string (message text, secret) that must never appear in logs at info or above. */
export function registerSecret(secret: string): void {
  mkdirSync(CAPTURE_DIR, { recursive: true });
  appendFileSync(path.join(CAPTURE_DIR, `secrets-${process.pid}.txt`), JSON.stringify(secret) + '\n');
}
