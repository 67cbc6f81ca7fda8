/**
 * Row 5 — cold start to the first QR. Headless mode as `npm run headless` runs it (its esbuild
 * bundle, scripts/build-headless.ts, with plain node) with `--json` on a fresh data folder, vs a
 * bare Baileys script (clients/bare-qr.ts) that opens a socket and prints its first QR, bundled
 * with the same esbuild options (lib/compile.ts); both spawned the same way, both talking to the
 * same fake server. Measured from spawn to the QR line on stdout. One untimed run of each first
 * (the OS file cache warms up), then alternating pairs; the ratio is the median of per-pair
 * ratios. Plain node printing a QR line is measured too: the floor both stand on.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileEntry, compileHeadless } from '../lib/compile.js';
import { runIfMain, ms, ratio, type RowResult } from '../lib/result.js';
import { median, now, progress, round, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PAIRS = QUICK ? 5 : 15;
/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat's CPU times. */
const CLK_TCK = 100;

/** CPU time (user + system, ms) a running process has used so far, or NaN where /proc has no such file. */
function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Kind = 'replyline' | 'bare' | 'node';

interface Compiled {
  headless: string;
  bareQr: string;
}

function commandFor(kind: Kind, bin: Compiled, url: string, ca: string, dir: string): string[] {
  switch (kind) {
    case 'replyline':
      return [bin.headless, '--json', '--data-dir', dir, '--port', '0', '--wa-url', url, '--noise-ca', ca];
    case 'bare':
      return [bin.bareQr, url, ca, dir];
    case 'node':
      // Node printing a QR line: the floor both of the others stand on.
      return ['-e', 'process.stdout.write(JSON.stringify({ type: "qr" }) + "\\n")'];
  }
}

async function timeToQr(kind: Kind, bin: Compiled, url: string, ca: string): Promise<{ ms: number; cpuMs: number }> {
  return timeToQrOf(kind, (dir) => commandFor(kind, bin, url, ca, dir));
}

/**
 * Spawn node with `argsFor(a fresh data folder)`, wait for a `{"type":"qr"}` line, return the ms
 * since spawn and the CPU time the process had used by then (less disturbed by other work on the
 * machine than wall time), then stop it. (Also bench/tools/cold-start-ab.ts.)
 */
export async function timeToQrOf(kind: string, argsFor: (dir: string) => string[]): Promise<{ ms: number; cpuMs: number }> {
  const { dir, remove } = await tempDir(`cold-${kind}`);
  try {
    const t0 = now();
    const child = spawn(process.execPath, argsFor(dir), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const elapsed = await new Promise<{ ms: number; cpuMs: number }>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`${kind}: no QR within 30 s. ${stderr.slice(0, 500)}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            if ((JSON.parse(line) as { type?: string }).type === 'qr') {
              clearTimeout(timer);
              resolve({ ms: now() - t0, cpuMs: cpuMsOf(child.pid!) });
            }
          } catch {
            // not JSON
          }
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${kind} exited with ${code} before its QR. ${stderr.slice(0, 500)}`));
      });
    });
    child.removeAllListeners('exit');
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (child.exitCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    return elapsed;
  } finally {
    await remove();
  }
}

export async function runColdStart(): Promise<RowResult> {
  const started = now();
  const server = await startServer({ refs: 3 });
  const url = server.url;
  const ca = server.caPublicKey.toString('hex');
  const bin: Compiled = { headless: await compileHeadless(), bareQr: await compileEntry('bench/clients/bare-qr.ts') };
  try {
    for (const kind of ['replyline', 'bare', 'node'] as Kind[]) await timeToQr(kind, bin, url, ca); // warm-up, untimed
    const times: Record<Kind, number[]> = { replyline: [], bare: [], node: [] };
    const cpu: Record<Kind, number[]> = { replyline: [], bare: [], node: [] };
    const ratios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const order: Kind[] = i % 2 === 0 ? ['replyline', 'bare', 'node'] : ['node', 'bare', 'replyline'];
      const t: Partial<Record<Kind, number>> = {};
      for (const kind of order) {
        const run = await timeToQr(kind, bin, url, ca);
        t[kind] = run.ms;
        times[kind].push(run.ms);
        cpu[kind].push(run.cpuMs);
      }
      ratios.push(t.replyline! / t.bare!);
      progress(`cold-start: pair ${i + 1}/${PAIRS}: Replyline ${t.replyline!.toFixed(0)} ms, bare ${t.bare!.toFixed(0)} ms, node alone ${t.node!.toFixed(0)} ms`);
    }
    const r = median(ratios);
    const rl = median(times.replyline);
    const bl = median(times.bare);
    const rCpu = median(cpu.replyline);
    const bCpu = median(cpu.bare);
    return {
      id: 'cold-start',
      title: 'Cold start to the first QR (headless, fresh data folder)',
      lines: [
        { name: '5 Cold start to first QR', replyline: ms(rl, 0), baseline: ms(bl, 0), ratio: ratio(r), target: '≤ 1.1×', met: r <= 1.1 },
        { name: '5 CPU time until the first QR', replyline: ms(rCpu, 0), baseline: ms(bCpu, 0), ratio: ratio(rCpu / bCpu), target: '(info)', met: null },
      ],
      data: {
        pairs: PAIRS,
        msReplyline: times.replyline.map((x) => round(x, 1)),
        msBare: times.bare.map((x) => round(x, 1)),
        msNodeAlone: times.node.map((x) => round(x, 1)),
        cpuMsReplyline: cpu.replyline,
        cpuMsBare: cpu.bare,
        cpuMsNodeAlone: cpu.node,
        pairRatios: ratios.map((x) => round(x, 3)),
      },
      notes: [`Node printing a QR line: ${median(times.node).toFixed(0)} ms (part of both figures); both sides compiled with esbuild, run with plain node.`],
      seconds: (now() - started) / 1000,
    };
  } finally {
    await server.close();
  }
}

runIfMain(import.meta.url, runColdStart);
