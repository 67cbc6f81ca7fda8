/**
 * `npm run bench`: runs every benchmark row (bench/rows/*.ts), each in a process of its own,
 * prints the table (Markdown, on stdout; progress goes to stderr) and writes bench/results.json.
 *
 *   npx tsx bench/run.ts                      all rows (a few minutes)
 *   npx tsx bench/run.ts --only throughput    one or more rows, comma-separated
 *   npx tsx bench/run.ts --quick              fewer iterations (a smoke test, not for figures)
 *
 * Env: BENCH_PROFILE=<dir> writes V8 CPU profiles of the throughput clients' measured phase.
 * See BENCHMARKS.md for what each row measures.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RESULT_PREFIX, type RowResult } from './lib/result.js';

const ROWS = ['reconnect', 'throughput', 'session-store', 'soak', 'cold-start'] as const;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results.json') },
  },
});
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...ROWS];
for (const id of only) if (!(ROWS as readonly string[]).includes(id)) throw new Error(`unknown row ${id}; rows: ${ROWS.join(', ')}`);

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function runRow(id: string): Promise<RowResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'rows', `${id}.ts`)], {
      cwd: root,
      env: { ...process.env, ...(values.quick ? { BENCH_QUICK: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as RowResult);
      else reject(new Error(`row ${id} failed (exit code ${code})`));
    });
  });
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function git(): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'main', 'package.json'], { cwd: root }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return {};
  }
}

function table(rows: RowResult[]): string {
  const lines = ['| Benchmark | Replyline | Baseline | Ratio | Target | Met |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    for (const l of r.lines) {
      const met = l.met === null ? '–' : l.met ? 'yes' : '**no**';
      lines.push(`| ${l.name} | ${l.replyline} | ${l.baseline} | ${l.ratio} | ${l.target} | ${met} |`);
    }
  }
  return lines.join('\n');
}

const started = Date.now();
const info = { machine: machine(), git: git(), quick: values.quick };
log(`${info.machine.cpus} × ${info.machine.cpuModel}, ${info.machine.node}, load ${info.machine.loadAverageAtStart.join(' ')}${values.quick ? ' (quick mode)' : ''}`);
const results: RowResult[] = [];
const failures: Array<{ id: string; error: string }> = [];
for (const id of only) {
  const t = Date.now();
  log(`row ${id} …`);
  try {
    results.push(await runRow(id));
    log(`row ${id} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  } catch (err) {
    failures.push({ id, error: (err as Error).message });
    log(`row ${id} FAILED: ${(err as Error).message}`);
  }
}
const totalSeconds = Math.round((Date.now() - started) / 100) / 10;
const loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

const md = table(results);
process.stdout.write(`\n${md}\n\n`);
for (const r of results) for (const n of r.notes) process.stdout.write(`- ${r.id}: ${n}\n`);
for (const f of failures) process.stdout.write(`- ${f.id}: FAILED (${f.error})\n`);
process.stdout.write(`\nTotal ${totalSeconds} s; load average at start ${info.machine.loadAverageAtStart.join(' ')}, at end ${loadAverageAtEnd.join(' ')}.\n`);

await writeFile(
  values.out!,
  JSON.stringify({ generatedAt: new Date().toISOString(), ...info, loadAverageAtEnd, totalSeconds, table: md, rows: results, failures }, null, 2) + '\n',
);
log(`wrote ${path.relative(root, values.out!)}`);
process.exit(failures.length ? 1 : 0);
