/**
 * The value codec and diffs under the key log: every value comes back as it went in, markers
 * never collide with real data, and a diff applied to its base always gives the new value.
 */
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, freezeTree, type Tree } from '../../../main/core/session/tree-codec.js';
import { sessionRecord } from './fixtures/sample-keys.js';
import { applyChange, diffTree, UNCHANGED } from '../../../main/core/session/tree-diff.js';

function roundTrip(value: unknown): unknown {
  // Through JSON, as the log stores it.
  return decodeValue(JSON.parse(JSON.stringify(encodeValue(value))) as Tree);
}

describe('tree codec', () => {
  it('keeps byte strings as Buffers, compactly', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const back = roundTrip({ a: bytes, b: Buffer.from('hello') }) as { a: Buffer; b: Buffer };
    expect(Buffer.isBuffer(back.a)).toBe(true);
    expect([...back.a]).toEqual([...bytes]);
    expect(back.b.toString()).toBe('hello');
    expect(JSON.stringify(encodeValue(bytes))).toBe('{"$b":"AAEC+v8="}');
  });

  it('stores printable-ASCII bytes (sender keys are JSON text) as text', () => {
    const text = Buffer.from(JSON.stringify([{ senderKeyId: 1, chainKey: { iteration: 3 } }]));
    const tree = encodeValue(text);
    expect(tree).toEqual({ $t: text.toString('latin1') });
    expect((roundTrip(text) as Buffer).equals(text)).toBe(true);
  });

  it('escapes real objects that look like markers', () => {
    const tricky = { $b: 'not bytes' };
    const nested = { x: { $t: 'plain' }, y: { $o: { $b: 1 } }, z: { $d: { a: 1 } } };
    expect(roundTrip(tricky)).toEqual(tricky);
    expect(roundTrip(nested)).toEqual(nested);
  });

  it('follows JSON for undefined, functions and non-finite numbers, and keeps __proto__ as data', () => {
    expect(roundTrip({ a: undefined, b: () => 1, c: NaN, d: [undefined, 1] })).toEqual({ c: null, d: [null, 1] });
    const evil = JSON.parse('{"__proto__":{"polluted":true}}') as object;
    const back = roundTrip(evil) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes class instances (protobuf messages, Long) as their own fields', () => {
    class Long {
      constructor(
        public low: number,
        public high: number,
        public unsigned: boolean,
      ) {}
      toJSON() {
        return 'would lose the type';
      }
    }
    expect(roundTrip({ t: new Long(1, 2, false) })).toEqual({ t: { low: 1, high: 2, unsigned: false } });
  });

  it('rejects what cannot be stored', () => {
    expect(() => encodeValue({ n: 10n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeValue(cyclic)).toThrow(TypeError);
  });
});

describe('encoding against the previous tree', () => {
  it('gives the tree a fresh encoding gives, sharing the parts that did not change', () => {
    const before = sessionRecord(1) as { _sessions: Record<string, { currentRatchet: object; _chains: Record<string, { chainKey: { counter: number } }> }> };
    const after = structuredClone(before);
    const session = Object.values(after._sessions)[0]!;
    Object.values(session._chains)[0]!.chainKey.counter = 2;
    const prev = encodeValue(before);
    const next = encodeValue(after, prev) as typeof before;
    expect(JSON.stringify(next)).toBe(JSON.stringify(encodeValue(after)));
    const prevSession = Object.values((prev as typeof before)._sessions)[0]!;
    const nextSession = Object.values(next._sessions)[0]!;
    expect(next).not.toBe(prev);
    expect(nextSession.currentRatchet).toBe(prevSession.currentRatchet);
    expect(Object.values(nextSession._chains)[1]).toBe(Object.values(prevSession._chains)[1]);
    expect(Object.values(nextSession._chains)[0]).not.toBe(Object.values(prevSession._chains)[0]);
    // Nothing changed: the previous tree itself.
    expect(encodeValue(structuredClone(before), prev)).toBe(prev);
  });

  it('matches a fresh encoding for random values and small changes to them (seeded)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const leaf = () => [1, 'a', null, true, Buffer.from([Math.floor(rnd() * 4)]), undefined, NaN, { $b: 'x' }, new Date(0)][Math.floor(rnd() * 9)];
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return leaf();
      if (r < 0.4) return [gen(depth + 1), gen(depth + 1)];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 4; i++) if (rnd() < 0.7) o[['a', 'b', '$c', 'd'][i]!] = gen(depth + 1);
      return o;
    };
    const tweak = (v: unknown, depth: number): unknown => {
      if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof Date) return rnd() < 0.3 ? leaf() : v;
      if (Array.isArray(v)) return v.map((x) => tweak(x, depth + 1));
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (rnd() > 0.1) o[k] = tweak(x, depth + 1);
      if (rnd() < 0.2) o.d = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 1000; i++) {
      const va = gen(0);
      const vb = rnd() < 0.8 ? tweak(va, 0) : gen(0);
      const fresh = encodeValue(vb);
      const shared = encodeValue(vb, encodeValue(va));
      // Equal field for field (field order is no part of a tree: replay does not keep it either).
      expect(diffTree(fresh, shared)).toBe(UNCHANGED);
      expect(shared).toEqual(fresh);
      expect(decodeValue(shared)).toEqual(decodeValue(fresh));
    }
  });

  it('still rejects what cannot be stored', () => {
    const prev = encodeValue({ n: 1, m: { k: 1 } });
    expect(() => encodeValue({ n: 10n, m: { k: 1 } }, prev)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.m = cyclic;
    expect(() => encodeValue(cyclic, prev)).toThrow(TypeError);
  });
});

describe('freezeTree', () => {
  it('freezes a tree all the way down and says whether it is plain data', () => {
    const plain = encodeValue(sessionRecord());
    expect(freezeTree(plain)).toBe(true);
    const chains = Object.values((plain as { _sessions: Record<string, { _chains: object }> })._sessions)[0]!._chains;
    expect(Object.isFrozen(plain)).toBe(true);
    expect(Object.isFrozen(chains)).toBe(true);
    expect(() => {
      'use strict';
      (chains as Record<string, unknown>).x = 1;
    }).toThrow(TypeError);
    expect(freezeTree(encodeValue({ a: [{ b: Buffer.from([1]) }] }))).toBe(false);
    expect(freezeTree(encodeValue({ a: { $b: 'escaped' } }))).toBe(false);
    expect(freezeTree(encodeValue([1, 'a', null, { c: true }]))).toBe(true);
  });
});

describe('tree diff', () => {
  it('patches only what changed', () => {
    const a = encodeValue({ keep: 'x'.repeat(100), counter: 1, chains: { c1: { key: Buffer.alloc(32, 1) } }, gone: 1 });
    const b = encodeValue({ keep: 'x'.repeat(100), counter: 2, chains: { c1: { key: Buffer.alloc(32, 2) } }, added: [1] });
    const change = diffTree(a, b);
    expect(change).not.toBe(UNCHANGED);
    expect(JSON.stringify(change)).not.toContain('xxxx');
    expect(applyChange(a, change as Tree)).toEqual(b);
    expect(diffTree(b, encodeValue({ ...(decodeValue(b) as object) }))).toBe(UNCHANGED);
  });

  it('replaces leaves, arrays and byte strings whole', () => {
    expect(diffTree(encodeValue([1, 2]), encodeValue([1, 3]))).toEqual([1, 3]);
    expect(diffTree(encodeValue(Buffer.from([1])), encodeValue(Buffer.from([2])))).toEqual({ $b: 'Ag==' });
    expect(diffTree(encodeValue({ a: 1 }), 'text')).toBe('text');
  });

  it('refuses a patch without a base', () => {
    expect(() => applyChange(undefined, { $d: { a: 1 } })).toThrow(TypeError);
  });

  it('round-trips random trees (seeded)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return [1, 'a', null, true, Buffer.from([Math.floor(rnd() * 256)])][Math.floor(rnd() * 5)];
      if (r < 0.4) return [gen(depth + 1), gen(depth + 1)];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 4; i++) if (rnd() < 0.7) o[['a', 'b', '$c', 'd'][i]!] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) {
      const va = gen(0);
      const vb = gen(0);
      expect(roundTrip(va)).toEqual(roundTrip(roundTrip(va)));
      const a = encodeValue(va);
      const b = encodeValue(vb);
      const change = diffTree(a, b);
      const applied = change === UNCHANGED ? a : applyChange(a, JSON.parse(JSON.stringify(change)) as Tree);
      expect(applied).toEqual(b);
    }
  });
});
