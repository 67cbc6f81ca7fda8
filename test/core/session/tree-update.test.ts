/**
 * The one-walk encode + diff + freeze (`encodeUpdate`) against what it replaces: the tree of
 * `encodeValue(value, previous)`, the change of `diffTree(previous, tree)` and the freezing of
 * `freezeTree(tree)`, compared as the log stores them (JSON, so field order too), on real
 * libsignal session records, on hand-made edge cases, and on random values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, freezeTree, type Tree } from '../../../main/core/session/tree-codec.js';
import { applyChange, diffTree, UNCHANGED } from '../../../main/core/session/tree-diff.js';
import { encodeUpdate } from '../../../main/core/session/tree-update.js';
import { sessionHistory, type SessionWrite } from './fixtures/session-history.js';

const json = (change: Tree | typeof UNCHANGED) => (change === UNCHANGED ? 'UNCHANGED' : JSON.stringify(change));

/** Every object in `tree` frozen; the same shape of sharing with `prev` as `other` has with `otherPrev`. */
function expectFrozenAndSharedAlike(tree: Tree, prev: Tree | undefined, other: Tree, otherPrev: Tree | undefined): void {
  expect(tree === prev).toBe(other === otherPrev);
  if (tree === null || typeof tree !== 'object') return;
  expect(Object.isFrozen(tree)).toBe(true);
  for (const k of Object.keys(tree)) {
    const at = (t: Tree | undefined) => (t !== null && typeof t === 'object' && Object.hasOwn(t, k) ? (t as Record<string, Tree>)[k] : undefined);
    expectFrozenAndSharedAlike(at(tree)!, at(prev), at(other)!, at(otherPrev));
  }
}

/** Checks one update against the separate functions; returns both new trees. */
function checkUpdate(value: unknown, prevNew: Tree | undefined, prevOld: Tree | undefined): { next: Tree; nextOld: Tree } {
  const nextOld = encodeValue(value, prevOld);
  const changeOld = prevOld === undefined ? nextOld : diffTree(prevOld, nextOld);
  const { tree, change } = encodeUpdate(value, prevNew);
  expect(JSON.stringify(tree)).toBe(JSON.stringify(nextOld));
  expect(json(change)).toBe(json(changeOld));
  expectFrozenAndSharedAlike(tree, prevNew, nextOld, prevOld);
  // Plain or not as freezeTree finds it on a fresh encoding.
  expect(freezeTree(tree)).toBe(freezeTree(encodeValue(value)));
  if (prevNew !== undefined && change !== UNCHANGED) {
    expect(applyChange(prevNew, JSON.parse(JSON.stringify(change)) as Tree)).toEqual(JSON.parse(JSON.stringify(tree)));
  }
  return { next: tree, nextOld };
}

/** Feeds writes (key, value) through both ways, each key against its own previous trees. */
function checkWrites(writes: Array<{ id: string; value: unknown }>): void {
  const now = new Map<string, Tree>();
  const old = new Map<string, Tree>();
  for (const { id, value } of writes) {
    const { next, nextOld } = checkUpdate(value, now.get(id), old.get(id));
    now.set(id, next);
    old.set(id, nextOld);
  }
}

type Rec = Record<string, unknown>;
const sessionsOf = (record: Rec) => record._sessions as Record<string, Rec>;
const chainsOf = (session: Rec) => session._chains as Record<string, Rec>;

describe('encodeUpdate', () => {
  let history: SessionWrite[];
  beforeAll(async () => {
    history = await sessionHistory(3, 12);
  });

  it('gives the tree, change and freezing of encodeValue + diffTree + freezeTree on a real libsignal conversation', () => {
    // Ratchet turns, skipped message keys, a second session, pruned receiving chains: all there.
    expect(history.length).toBeGreaterThan(100);
    const shapes = new Set(history.map((w) => Object.keys(sessionsOf(w.value)).length));
    expect(shapes.has(2)).toBe(true);
    checkWrites(history);
  });

  it('is the same on edits of real records: fields going undefined, chains added and removed, $-keys, arrays, bytes', () => {
    const writes: Array<{ id: string; value: unknown }> = [];
    const copy = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(copy);
      if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
    };
    const clone = (v: unknown) => copy(v) as Rec;
    for (const [i, w] of history.entries()) {
      if (i % 7 !== 0) continue;
      const base = clone(w.value);
      writes.push({ id: 'edit', value: base });
      const session = Object.values(sessionsOf(base))[0]!;
      const edits: Array<(r: Rec) => void> = [
        (r) => ((Object.values(sessionsOf(r))[0]!.indexInfo as Rec).used = undefined),
        (r) => (Object.values(chainsOf(Object.values(sessionsOf(r))[0]!))[0]!.chainKey = { counter: 3, key: undefined }),
        (r) => (chainsOf(Object.values(sessionsOf(r))[0]!)[`new${i}`] = { chainKey: { counter: 0, key: 'a2V5' }, chainType: 2, messageKeys: { 4: 'bWs=' } }),
        (r) => delete chainsOf(Object.values(sessionsOf(r))[0]!)[Object.keys(chainsOf(session))[0]!],
        (r) => (Object.values(sessionsOf(r))[0]!.pendingPreKey = { $weird: { baseKey: 'x' } }),
        (r) => (Object.values(sessionsOf(r))[0]!.pendingPreKey = { $weird: { baseKey: 'y' }, signedKeyId: 1 }),
        (r) => (Object.values(sessionsOf(r))[0]!.list = [1, 'two', { three: 3 }, undefined]),
        (r) => (Object.values(sessionsOf(r))[0]!.list = [1, 'two', { three: 4 }]),
        (r) => (Object.values(sessionsOf(r))[0]!.list = [1, 'two', { three: 4 }, Buffer.from([1, 2])]),
        (r) => (Object.values(sessionsOf(r))[0]!.bytes = Buffer.from('0123456789abcdefghij')),
        (r) => (r.version = undefined),
        (r) => (r.fn = () => 1),
        (r) => (r._sessions = {}),
      ];
      let value = base;
      for (const edit of edits) {
        value = clone(value);
        edit(value);
        writes.push({ id: 'edit', value });
        // The same value again: nothing changed.
        writes.push({ id: 'edit', value: clone(value) });
      }
      // Back to a real record after all that.
      writes.push({ id: 'edit', value: w.value });
    }
    checkWrites(writes);
  });

  it('is the same against a previous tree read back from the log (not frozen yet) and freezes it', () => {
    const first = encodeValue(history[10]!.value);
    const readBack = JSON.parse(JSON.stringify(first)) as Tree;
    const readBackOld = JSON.parse(JSON.stringify(first)) as Tree;
    checkUpdate(history[11]!.value, readBack, readBackOld);
    expect(Object.isFrozen(readBack)).toBe(true);
    expect(freezeTree(readBack)).toBe(true);
  });

  it('is the same for random values and random changes to them (seeded)', () => {
    let seed = 99;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const leaf = () =>
      [1, 'a', null, true, Buffer.from([Math.floor(rnd() * 4)]), undefined, NaN, { $b: 'x' }, new Date(0), [], {}][Math.floor(rnd() * 11)];
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return leaf();
      if (r < 0.45) return Array.from({ length: Math.floor(rnd() * 3) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 5; i++) if (rnd() < 0.7) o[['a', 'b', '$c', 'd', '7'][i]!] = gen(depth + 1);
      return o;
    };
    const tweak = (v: unknown, depth: number): unknown => {
      if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof Date) return rnd() < 0.3 ? leaf() : v;
      if (Array.isArray(v)) return rnd() < 0.2 ? v.slice(1) : v.map((x) => tweak(x, depth + 1));
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (rnd() > 0.1) o[k] = tweak(x, depth + 1);
      if (rnd() < 0.2) o.d = gen(depth + 1);
      if (rnd() < 0.1) o.e = undefined;
      return o;
    };
    for (let i = 0; i < 300; i++) {
      const writes = [{ id: 'k', value: gen(0) }];
      for (let j = 0; j < 4; j++) writes.push({ id: 'k', value: rnd() < 0.85 ? tweak(writes[writes.length - 1]!.value, 0) : gen(0) });
      checkWrites(writes);
    }
  });

  it('rejects what cannot be stored, as encodeValue does', () => {
    const { tree: prev } = encodeUpdate({ n: 1, m: { k: 1 } }, undefined);
    expect(() => encodeUpdate({ n: 10n, m: { k: 1 } }, prev)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.m = cyclic;
    expect(() => encodeUpdate(cyclic, prev)).toThrow(TypeError);
    expect(decodeValue(prev)).toEqual({ n: 1, m: { k: 1 } });
  });
});
