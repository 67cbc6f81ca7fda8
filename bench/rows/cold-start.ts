/**
 * Row 5 — cold start to the first QR. `node --import tsx main/headless/cli.ts --json` on a fresh
 * data folder vs a bare Baileys script (clients/bare-qr.ts) that opens a socket and prints its
 * first QR; both spawned the same way, both talking to the same fake server. Measured from
 * spawn to the QR line on stdout. One untimed run of each first (tsx's transform cache and the
 * OS file cache warm up), then alternating pairs; the ratio is the median of per-pair ratios.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitResult, ms, ratio, type RowResult } from '../lib/result.js';
import { median, now, progress, round, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PAIRS = QUICK ? 3 : 7;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Kind = 'replyline' | 'bare' | 'node';

function commandFor(kind: Kind, url: string, ca: string, dir: string): string[] {
  switch (kind) {
    case 'replyline':
      return ['--import', 'tsx', 'main/headless/cli.ts', '--json', '--data-dir', dir, '--port', '0', '--wa-url', url, '--noise-ca', ca];
    case 'bare':
      return ['--import', 'tsx', 'bench/clients/bare-qr.ts', url, ca, dir];
    case 'node':
      // tsx and an empty module: the floor both of the others stand on.
      return ['--import', 'tsx', '-e', 'process.stdout.write(JSON.stringify({ type: "qr" }) + "\\n")'];
  }
}

/** Spawn, wait for a `{"type":"qr"}` line, return ms since spawn, then stop the process. */
async function timeToQr(kind: Kind, url: string, ca: string): Promise<number> {
  const { dir, remove } = await tempDir(`cold-${kind}`);
  try {
    const t0 = now();
    const child = spawn(process.execPath, commandFor(kind, url, ca, dir), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const elapsed = await new Promise<number>((resolve, reject) => {
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
              resolve(now() - t0);
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
  try {
    for (const kind of ['replyline', 'bare', 'node'] as Kind[]) await timeToQr(kind, url, ca); // warm-up, untimed
    const times: Record<Kind, number[]> = { replyline: [], bare: [], node: [] };
    const ratios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const order: Kind[] = i % 2 === 0 ? ['replyline', 'bare', 'node'] : ['node', 'bare', 'replyline'];
      const t: Partial<Record<Kind, number>> = {};
      for (const kind of order) {
        t[kind] = await timeToQr(kind, url, ca);
        times[kind].push(t[kind]!);
      }
      ratios.push(t.replyline! / t.bare!);
      progress(`cold-start: pair ${i + 1}/${PAIRS}: Replyline ${t.replyline!.toFixed(0)} ms, bare ${t.bare!.toFixed(0)} ms, tsx alone ${t.node!.toFixed(0)} ms`);
    }
    const r = median(ratios);
    const rl = median(times.replyline);
    const bl = median(times.bare);
    return {
      id: 'cold-start',
      title: 'Cold start to the first QR (headless, fresh data folder)',
      lines: [{ name: '5 Cold start to first QR', replyline: ms(rl, 0), baseline: ms(bl, 0), ratio: ratio(r), target: '≤ 1.2×', met: r <= 1.2 }],
      data: {
        pairs: PAIRS,
        msReplyline: times.replyline.map((x) => round(x, 1)),
        msBare: times.bare.map((x) => round(x, 1)),
        msTsxAlone: times.node.map((x) => round(x, 1)),
        pairRatios: ratios.map((x) => round(x, 3)),
      },
      notes: [`Node + tsx with an empty script: ${median(times.node).toFixed(0)} ms (part of both figures).`],
      seconds: (now() - started) / 1000,
    };
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runColdStart().then(
    (r) => {
      emitResult(r);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
