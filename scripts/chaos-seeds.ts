/**
 * Runs the inbound chaos suite (test/chaos/inbound-storm.test.ts: 1,000 messages through random
 * kills, zero tolerance) once per seed, one after another, and prints a line per seed and a
 * total. `npm test` runs one random seed; this is the acceptance run: 20 seeds in a row.
 *
 *   npm run chaos:seeds                      20 seeds derived from a random base (printed)
 *   npm run chaos:seeds -- --count 5         fewer or more
 *   npm run chaos:seeds -- --base 1234       a reproducible series (base, base+1, ...)
 *   npm run chaos:seeds -- --seeds 7,42,99   exactly these seeds
 *
 * Exit code 0 only if every seed passed. A failing seed's output is kept in the temp folder
 * and its path printed; replay it with CHAOS_SEED=<seed> npx vitest run test/chaos/inbound-storm.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    base: { type: 'string' },
    seeds: { type: 'string' },
  },
});

const count = Number(values.count);
const base = values.base !== undefined ? Number(values.base) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const seeds = values.seeds ? values.seeds.split(',').map((s) => Number(s.trim()) >>> 0) : Array.from({ length: count }, (_, i) => (base + i) >>> 0);
if (seeds.some((s) => !Number.isFinite(s)) || seeds.length === 0) throw new Error('no valid seeds');

const logDir = mkdtempSync(path.join(tmpdir(), 'replyline-chaos-'));
console.log(values.seeds ? `chaos: ${seeds.length} given seeds` : `chaos: ${seeds.length} seeds from base ${base}`);
const results: { seed: number; ok: boolean; seconds: number; summary: string }[] = [];
for (const seed of seeds) {
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', 'test/chaos/inbound-storm.test.ts'], {
    env: { ...process.env, CHAOS_SEED: String(seed) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const ok = run.status === 0;
  const seconds = (Date.now() - started) / 1000;
  const summary = output.match(/chaos: 1000 inbound[^\n]*/)?.[0] ?? output.match(/round \d+: [^\n]*/)?.[0] ?? `exit ${run.status}`;
  results.push({ seed, ok, seconds, summary });
  let line = `seed ${seed}: ${ok ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)} s; ${summary}`;
  if (!ok) {
    const file = path.join(logDir, `seed-${seed}.log`);
    writeFileSync(file, output);
    line += `\n  output: ${file}`;
  }
  console.log(line);
}
const failed = results.filter((r) => !r.ok);
console.log(`chaos: ${results.length - failed.length} of ${results.length} seeds passed${failed.length ? `; failed: ${failed.map((f) => f.seed).join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
