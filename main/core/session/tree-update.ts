/**
 * A key's new value encoded against its current tree in ONE walk that gives all the key log
 * needs from a `set`: the new tree (sharing every unchanged part with the current one, as
 * `encodeValue(value, previous)` does), frozen all the way down (as `freezeTree` would leave it),
 * and the change from the current tree to it (as `diffTree(previous, tree)` gives it).
 *
 * Why: Baileys writes a Signal session back after every decryption and every encryption, a few
 * KB of which one message changes a counter and a key or two. Encoding, diffing and freezing
 * were three walks, and the encoding walk already compares every part with the current tree, so
 * it knows which parts changed. Here the change and the freezing come out of that comparison.
 *
 * The results are exactly those of the separate functions (same trees, same changes with their
 * fields in the same order, so the same bytes in the log): `tree-update.test.ts` compares them
 * on real libsignal session records and on random values.
 */
import {
  encodeValue,
  freezeBuiltNode,
  freezeTree,
  MAX_DEPTH,
  setOwn,
  skipped,
  type Tree,
  type TreeObject,
} from './tree-codec.js';
import { patchChange, removalChange, sameTree, UNCHANGED } from './tree-diff.js';

const ESCAPED = '$o';

export interface TreeUpdate {
  /** `encodeValue(value, previous)`, frozen (`freezeTree(tree)` is then immediate). */
  tree: Tree;
  /** `diffTree(previous, tree)`; the whole tree when there is no previous one. */
  change: Tree | typeof UNCHANGED;
}

/**
 * Encode `value` against `previous` (the key's current tree, or undefined for a new key).
 * Throws `TypeError` on values JSON cannot hold, as `encodeValue` does. Freezes `previous` if it
 * is not frozen yet (a tree read back from the log): its parts become parts of the new tree.
 */
export function encodeUpdate(value: unknown, previous: Tree | undefined): TreeUpdate {
  if (previous === undefined) {
    const tree = encodeValue(value);
    freezeTree(tree);
    return { tree, change: tree };
  }
  freezeTree(previous);
  const tree = like(value, previous, 0);
  return { tree, change: lastChange };
}

// What the last `like` / `fresh` call found besides its tree (results of the walk's recursion,
// kept here rather than in an object per node): the change from the previous part, and
// whether the new part is plain data (see `freezeTree`).
let lastChange: Tree | typeof UNCHANGED = UNCHANGED;
let lastPlain = true;

/** `encodeValue(value)` frozen, with its change from `prev` (undefined: the field is new). */
function fresh(value: unknown, prev: Tree | undefined): Tree {
  const tree = encodeValue(value);
  lastPlain = freezeTree(tree);
  // Only reached when `prev` or the tree is no plain object (see `like`): no patch applies.
  lastChange = prev === undefined ? tree : sameTree(prev, tree) ? UNCHANGED : tree;
  return tree;
}

/** `encodeLike` of `tree-codec.ts`, step for step, with the change and the freezing on the way. */
function like(value: unknown, prev: Tree, depth: number): Tree {
  if (value === null || typeof value !== 'object' || prev === null || typeof prev !== 'object') return fresh(value, prev);
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof Date) return fresh(value, prev);
  if (depth > MAX_DEPTH) throw new TypeError('value is nested too deeply (a cycle?)');
  if (Array.isArray(value)) return Array.isArray(prev) ? likeArray(value, prev, depth) : fresh(value, prev);
  return Array.isArray(prev) ? fresh(value, prev) : likeObject(value as Record<string, unknown>, prev, depth);
}

/** Arrays are replaced whole when any element changed (as `diffTree` does). */
function likeArray(value: unknown[], prev: Tree[], depth: number): Tree {
  let out: Tree[] | undefined;
  let same = value.length === prev.length;
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const p = i < prev.length ? prev[i]! : undefined;
    const c = p === undefined ? fresh(value[i], undefined) : like(value[i], p, depth + 1);
    if (lastChange !== UNCHANGED) same = false;
    if (!lastPlain) plain = false;
    if (out === undefined && c !== p) out = prev.slice(0, i);
    out?.push(c);
  }
  if (out === undefined) {
    if (value.length === prev.length) return shared(prev);
    out = prev.slice(0, value.length);
  }
  freezeBuiltNode(out, plain);
  lastPlain = plain;
  lastChange = same ? UNCHANGED : out;
  return out;
}

function likeObject(v: Record<string, unknown>, before: TreeObject, depth: number): Tree {
  // The previous part's field count, and whether it is a marker (a byte string or an escaped
  // object: replaced whole), in one look at its fields.
  let fields = 0;
  let firstBefore = '';
  for (const j in before) {
    if (!Object.hasOwn(before, j)) continue;
    if (fields++ === 0) firstBefore = j;
  }
  if (fields === 1 && firstBefore.startsWith('$')) return fresh(v, before);
  let out: TreeObject | undefined;
  let patch: TreeObject | undefined;
  let plain = true;
  let n = 0;
  let first = '';
  /** Fields of `v` that `before` has too. */
  let matched = 0;
  for (const k in v) {
    if (!Object.hasOwn(v, k) || skipped(v[k])) continue;
    const p = Object.hasOwn(before, k) ? before[k] : undefined;
    let c: Tree;
    if (p === undefined) {
      c = fresh(v[k], undefined);
    } else {
      matched++;
      c = like(v[k], p, depth + 1);
    }
    if (!lastPlain) plain = false;
    const change = lastChange;
    if (out === undefined && c !== p) {
      // The first field that differs: the ones before it are the previous tree's.
      out = {};
      for (const j in v) {
        if (j === k) break;
        if (Object.hasOwn(v, j) && !skipped(v[j])) setOwn(out, j, before[j]!);
      }
    }
    if (out !== undefined) setOwn(out, k, c);
    if (change !== UNCHANGED) setOwn((patch ??= {}), k, change);
    if (n++ === 0) first = k;
  }
  if (n === 1 && first.startsWith('$')) {
    // Escaped (a real object that looks like a marker): a marker replaces a plain object whole.
    const tree: TreeObject = { [ESCAPED]: keptFields(v, before, out) };
    freezeBuiltNode(tree[ESCAPED] as TreeObject, false);
    freezeBuiltNode(tree, false);
    lastPlain = false;
    lastChange = tree;
    return tree;
  }
  if (out === undefined && fields === n) return shared(before);
  if (fields > matched) {
    // Fields were dropped: removed in the order the previous tree has them.
    patch ??= {};
    for (const j in before) {
      if (Object.hasOwn(before, j) && !(Object.hasOwn(v, j) && !skipped(v[j]))) setOwn(patch, j, removalChange());
    }
  }
  out = keptFields(v, before, out);
  freezeBuiltNode(out, plain);
  lastPlain = plain;
  lastChange = patch === undefined ? UNCHANGED : patchChange(patch);
  return out;
}

/** `out`, or when no field differed, the fields of `v` taken from the previous tree. */
function keptFields(v: Record<string, unknown>, before: TreeObject, out: TreeObject | undefined): TreeObject {
  if (out !== undefined) return out;
  const kept: TreeObject = {};
  for (const j in v) if (Object.hasOwn(v, j) && !skipped(v[j])) setOwn(kept, j, before[j]!);
  return kept;
}

/** The previous part itself: unchanged, frozen already (with `previous`), plain as it was. */
function shared(prev: TreeObject | Tree[]): Tree {
  lastPlain = freezeTree(prev);
  lastChange = UNCHANGED;
  return prev;
}
