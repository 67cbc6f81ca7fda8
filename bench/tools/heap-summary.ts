/**
 * Where the allocations go in a V8 sampling heap profile (`BENCH_PROFILE=<dir>
 * BENCH_PROFILE_HEAP=1` writes them for the throughput row's clients): bytes allocated, grouped
 * by where the allocating code lives (as profile-summary.ts groups CPU time), and the functions
 * that allocate most themselves. Bundled frames are mapped back to their sources.
 *
 *   npx tsx bench/tools/heap-summary.ts <file.heapprofile> [--per N] [--top K]
 *
 * `--per N` also prints each line as bytes per message for a phase of N messages.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { groupOf, resolveFrame } from './profile-summary.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export function summarizeHeap(root: HeapNode): { total: number; byGroup: Map<string, number>; byFunction: Map<string, number>; ours: Map<string, number> } {
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const ours = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  // Inclusive bytes of our own functions: what they allocate themselves or through what they call.
  const walk = (node: HeapNode, stack: string[]) => {
    const f = resolveFrame(node.callFrame);
    const ourKey = f.url.includes("/node_modules/") ? undefined : f.url.match(/\/(main\/.*)$/)?.[1];
    const key = ourKey ? `${ourKey}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}` : undefined;
    const next = key && !stack.includes(key) ? [...stack, key] : stack;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(byGroup, groupOf(f), node.selfSize);
      add(byFunction, `${f.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(main|bench|test)\//, '$1/')}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`, node.selfSize);
      for (const k of next) add(ours, k, node.selfSize);
    }
    for (const c of node.children) walk(c, next);
  };
  walk(root, []);
  return { total, byGroup, byFunction, ours };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: heap-summary.ts <file.heapprofile> [--per N] [--top K]');
  const per = values.per ? Number(values.per) : undefined;
  const top = Number(values.top);
  const { total, byGroup, byFunction, ours } = summarizeHeap((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head);
  const kb = (b: number) => `${(b / 1024).toFixed(0).padStart(8)} KiB ${((100 * b) / total).toFixed(1).padStart(5)} %` + (per ? `  ${(b / per / 1024).toFixed(2).padStart(6)} KiB/msg` : '');
  const print = (title: string, m: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, b] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${kb(b)}  ${k}\n`);
  };
  process.stdout.write(`allocated (sampled) ${(total / 1024 / 1024).toFixed(1)} MiB${per ? `, ${(total / per / 1024).toFixed(2)} KiB/msg` : ''}\n`);
  print('by where the allocating code lives:', byGroup);
  print('by allocating function (self):', byFunction);
  print('our functions, inclusive:', ours);
}
