/**
 * Where the time goes in a V8 CPU profile (`BENCH_PROFILE=<dir>` writes them for the throughput
 * row's clients): self time grouped by where the code lives (our modules by folder, each npm
 * package, Node internals, GC, idle), and the inclusive time of our own functions. The clients
 * run as esbuild bundles: frames in a bundle are mapped back to their source file through the
 * bundle's source map (`<bundle>.map`), so our modules and bundled packages show as themselves.
 *
 *   npx tsx bench/tools/profile-summary.ts <file.cpuprofile> [--per N] [--top K]
 *
 * `--per N` also prints each line as ms per message for a phase of N messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which bucket a frame's self time belongs to. */
export function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return '(gc)';
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(program)') return '(program)';
  if (!url) return `(native) ${functionName || '(anonymous)'}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = url.match(/\/(main|bench|test)\/(.*)$/);
  if (ours) return `${ours[1]}/${ours[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}

const maps = new Map<string, TraceMap | null>();

/** The frame as its source: a frame in a bundle with a source map gets the source's url and line. */
export function resolveFrame(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || !frame.url.endsWith('.js')) return frame;
  let map = maps.get(frame.url);
  if (map === undefined) {
    const file = fileURLToPath(frame.url);
    map = existsSync(`${file}.map`) ? new TraceMap(readFileSync(`${file}.map`, 'utf8'), frame.url) : null;
    maps.set(frame.url, map);
  }
  if (!map) return frame;
  const pos = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber ?? 0 });
  if (!pos.source) return frame;
  // Sources are relative to the bundle; the url keeps the path from the repository root.
  const source = pos.source.startsWith('file://') ? pos.source : path.resolve(path.dirname(fileURLToPath(frame.url)), pos.source);
  return { ...frame, url: source.startsWith('file://') ? source : `file://${source}`, lineNumber: (pos.line ?? 1) - 1 };
}

export function summarize(profile: CpuProfile): { totalMs: number; self: Map<string, number>; ours: Map<string, number>; oursSelf: Map<string, number> } {
  for (const n of profile.nodes) n.callFrame = resolveFrame(n.callFrame);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const ours = new Map<string, number>();
  const oursSelf = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(profile.samples[i]!)!;
    const g = groupOf(node.callFrame);
    self.set(g, (self.get(g) ?? 0) + ms);
    const own = node.callFrame.url.includes('/node_modules/') ? null : node.callFrame.url.match(/\/(main\/.*)$/);
    if (own) {
      const key = `${own[1]}:${node.callFrame.lineNumber + 1} ${node.callFrame.functionName || '(anonymous)'}`;
      oursSelf.set(key, (oursSelf.get(key) ?? 0) + ms);
    }
    // Inclusive time of our functions: each counted once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const m = f.url.includes('/node_modules/') ? null : f.url.match(/\/(main\/.*)$/);
      if (!m) continue;
      const key = `${m[1]}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ours.set(key, (ours.get(key) ?? 0) + ms);
    }
  }
  return { totalMs, self, ours, oursSelf };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--per N] [--top K]');
  const per = values.per ? Number(values.per) : undefined;
  const top = Number(values.top);
  const { totalMs, self, ours, oursSelf } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const busy = totalMs - (self.get('(idle)') ?? 0);
  const fmt = (ms: number) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %` + (per ? `  ${(ms / per).toFixed(3)} ms/msg` : '');
  process.stdout.write(`total ${totalMs.toFixed(0)} ms, busy (not idle) ${busy.toFixed(0)} ms${per ? `, ${(busy / per).toFixed(3)} ms/msg` : ''}\n\nself time by where the code lives (% of busy):\n`);
  for (const [g, ms] of [...self].filter(([g]) => g !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${fmt(ms)}  ${g}\n`);
  process.stdout.write(`\nself time of our functions (main/):\n`);
  for (const [k, ms] of [...oursSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${fmt(ms)}  ${k}\n`);
  process.stdout.write(`\ninclusive time of our functions (main/):\n`);
  for (const [k, ms] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${fmt(ms)}  ${k}\n`);
}
