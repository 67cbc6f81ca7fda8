/**
 * CPU per Signal-session write in the key log's memory path, on real libsignal records: what a
 * `set` and the batch after it do (`encodeValue(value, previous)`, `diffTree`, the size estimate,
 * and `freezeTree` on the next read), next to the floor of any per-write work (a bare walk of the
 * value, and `JSON.stringify` of it). Not part of a bench row.
 *
 *   npx tsx bench/tools/key-write-micro.ts [rounds]
 *
 * A conversation is recorded once (`test/core/session/fixtures/session-history.ts`), then each
 * round replays it with chain and session ids of its own (as at every ratchet turn in real use,
 * where new ids cost V8 new hidden classes), alternating the order of the ways. CPU time
 * (`process.cpuUsage`), not wall time, so a shared machine disturbs it less; quartiles over
 * rounds are printed.
 */
import { sessionHistory } from '../../test/core/session/fixtures/session-history.js';
import { encodeValue, freezeTree, type Tree } from '../../main/core/session/tree-codec.js';
import { diffTree, UNCHANGED } from '../../main/core/session/tree-diff.js';
import { approxSize } from '../../main/core/session/key-log.js';

type Write = { id: string; value: unknown };

let sink = 0;

function walk(value: unknown): number {
  if (value === null || typeof value !== 'object') return 1;
  let n = 0;
  for (const k in value) if (Object.hasOwn(value, k)) n += walk((value as Record<string, unknown>)[k]);
  return n;
}

const ways: Record<string, (writes: Write[]) => void> = {
  'encodeValue + diffTree + freezeTree': (writes) => {
    const current = new Map<string, Tree>();
    for (const { id, value } of writes) {
      const prev = current.get(id);
      const tree = encodeValue(value, prev);
      const change = prev === undefined ? tree : diffTree(prev, tree);
      if (change !== UNCHANGED) sink += approxSize(change);
      freezeTree(tree);
      current.set(id, tree);
    }
  },
  'a bare walk of the value': (writes) => {
    for (const { value } of writes) sink += walk(value);
  },
  'JSON.stringify of the value': (writes) => {
    for (const { value } of writes) sink += JSON.stringify(value).length;
  },
};

/** The value with every long key (a base64 chain or session id) made unique to `tag`. */
function withOwnIds(value: unknown, tag: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.length > 40 ? `${tag}:${k}` : k] = withOwnIds(v, tag);
  return out;
}

const rounds = Number(process.argv[2] ?? 60);
const history = await sessionHistory(8, 30);
const times = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
const names = Object.keys(ways);
for (let r = 0; r < rounds; r++) {
  const data = new Map(names.map((name) => [name, history.map((w) => ({ id: w.id, value: withOwnIds(w.value, `${name}${r}`) }))]));
  for (const name of r % 2 ? [...names].reverse() : names) {
    const writes = data.get(name)!;
    const start = process.cpuUsage();
    ways[name]!(writes);
    const used = process.cpuUsage(start);
    if (r >= 5) times.get(name)!.push((used.user + used.system) / writes.length);
  }
}
console.log(`${history.length} session writes per round (mean ${Math.round(history.reduce((n, w) => n + JSON.stringify(w.value).length, 0) / history.length)} bytes of JSON), ${rounds} rounds`);
for (const [name, t] of times) {
  t.sort((a, b) => a - b);
  const q = (f: number) => t[Math.floor(f * (t.length - 1))]!.toFixed(2);
  console.log(`${name.padEnd(36)} CPU µs per write: p25 ${q(0.25)}  median ${q(0.5)}  p75 ${q(0.75)}`);
}
if (sink === 0) console.log('(no changes sized?)');
