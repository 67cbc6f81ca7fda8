/**
 * Suite-wide log privacy check. Before the suite: empty the capture folder. After it: every
 * captured log line, at every level (the capture records debug too), must hold no full phone
 * number, JID, QR payload or registered message text. A leak fails the run.
 */
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { findLeak } from './privacy-patterns.js';

const DIR = path.resolve('test-results/logs');

export function setup(): void {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
}

export function teardown(): void {
  const files = readdirSync(DIR);
  const secrets = files
    .filter((f) => f.startsWith('secrets-'))
    .flatMap((f) => readFileSync(path.join(DIR, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as string);
  const leaks: string[] = [];
  let checked = 0;
  for (const f of files.filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(path.join(DIR, f), 'utf8').split('\n')) {
      if (!line) continue;
      checked++;
      const leak = findLeak(line, secrets);
      if (leak) leaks.push(`${f}: ${leak}: ${line.slice(0, 300)}`);
    }
  }
  if (leaks.length > 0) {
    // Vitest reports an error thrown here ("error during close") but still exits 0: set the code.
    process.exitCode = 1;
    throw new Error(`log privacy: ${leaks.length} log line(s) leak data:\n${leaks.slice(0, 10).join('\n')}`);
  }
  console.log(`log privacy: ${checked} captured log lines (every level) checked, no leaks`);
}
