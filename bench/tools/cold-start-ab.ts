/**
 * Cold start before and after a change, in one run: headless mode built from an earlier commit
 * and from the working tree, and the bare Baileys script, alternating in each triple against one
 * fake server, timed as the cold-start row times them (bench/rows/cold-start.ts). On a shared
 * machine the row's medians swing with the load from one run to the next; here the before and
 * the after share each moment's load, so their difference is what the change did.
 *
 *   npx tsx bench/tools/cold-start-ab.ts <commit> [triples, default 15]
 *
 * The commit is extracted to bench/.build/ab-<commit>/ (node_modules linked to this one) and
 * built with its own scripts/build-headless.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_DIR, compileEntry, compileHeadless } from '../lib/compile.js';
import { timeToQrOf } from '../rows/cold-start.js';
import { median, startServer } from '../support.js';
import type * as BuildScript from '../../scripts/build-headless.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [commitArg, triplesArg] = process.argv.slice(2);
if (!commitArg) {
  process.stderr.write('usage: npx tsx bench/tools/cold-start-ab.ts <commit> [triples]\n');
  process.exit(2);
}
const commit = execFileSync('git', ['rev-parse', '--short', commitArg], { cwd: root, encoding: 'utf8' }).trim();
const triples = Number(triplesArg ?? 15);

const baseRoot = path.join(BUILD_DIR, `ab-${commit}`);
if (!existsSync(baseRoot)) {
  mkdirSync(baseRoot, { recursive: true });
  try {
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${baseRoot}"`], { cwd: root });
    symlinkSync(path.join(root, 'node_modules'), path.join(baseRoot, 'node_modules'));
  } catch (err) {
    rmSync(baseRoot, { recursive: true, force: true });
    throw err;
  }
}
const { buildHeadless } = (await import(pathToFileURL(path.join(baseRoot, 'scripts/build-headless.ts')).href)) as typeof BuildScript;

type Side = 'before' | 'after' | 'bare';
const server = await startServer({ refs: 3 });
const ca = server.caPublicKey.toString('hex');
const bins: Record<Side, string> = {
  before: (await buildHeadless({ root: baseRoot, outDir: path.join(baseRoot, 'bench/.build/headless') })).cliFile,
  after: await compileHeadless(),
  bare: await compileEntry('bench/clients/bare-qr.ts'),
};
const argsFor = (side: Side) => (dir: string) =>
  side === 'bare' ? [bins.bare, server.url, ca, dir] : [bins[side], '--json', '--data-dir', dir, '--port', '0', '--wa-url', server.url, '--noise-ca', ca];

try {
  for (const side of ['before', 'after', 'bare'] as Side[]) await timeToQrOf(side, argsFor(side)); // warm-up, untimed
  const ms: Record<Side, number[]> = { before: [], after: [], bare: [] };
  const cpu: Record<Side, number[]> = { before: [], after: [], bare: [] };
  const ratios: Record<'before' | 'after', number[]> = { before: [], after: [] };
  for (let i = 0; i < triples; i++) {
    const order: Side[] = i % 2 === 0 ? ['before', 'after', 'bare'] : ['bare', 'after', 'before'];
    const t: Partial<Record<Side, number>> = {};
    for (const side of order) {
      const run = await timeToQrOf(side, argsFor(side));
      t[side] = run.ms;
      ms[side].push(run.ms);
      cpu[side].push(run.cpuMs);
    }
    ratios.before.push(t.before! / t.bare!);
    ratios.after.push(t.after! / t.bare!);
    process.stderr.write(`triple ${i + 1}/${triples}: before ${t.before!.toFixed(0)} ms, after ${t.after!.toFixed(0)} ms, bare ${t.bare!.toFixed(0)} ms\n`);
  }
  for (const side of ['before', 'after'] as const) {
    process.stdout.write(
      `${side === 'before' ? `before (${commit})` : 'after (working tree)'}: ${median(ms[side]).toFixed(0)} ms, ratio ${median(ratios[side]).toFixed(3)}, CPU until the QR ${median(cpu[side])} ms\n`,
    );
  }
  process.stdout.write(`bare Baileys: ${median(ms.bare).toFixed(0)} ms, CPU until the QR ${median(cpu.bare)} ms\n`);
} finally {
  await server.close();
}
