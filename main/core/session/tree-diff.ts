/**
 * Structural diffs between two trees, so an update to a big key (a Signal session record is a
 * few KB of which one message changes a chain counter and a key or two) is logged as the
 * changed fields only, not the whole record.
 *
 * A change is one of:
 * - `{"$d":{field: change, …}}`  patch an object field by field;
 * - `{"$x":1}`                   (inside a patch) remove the field;
 * - any other tree               replace the value whole (leaves, arrays, byte strings).
 * Encoded trees never hold a single-`$`-key object other than the codec's own markers (see
 * `tree-codec.ts`), so a change is never mistaken for a value.
 */
import { isMarker, isObject, setOwn, type Tree, type TreeObject } from './tree-codec.js';

const PATCH = '$d';
const REMOVE = '$x';

export const UNCHANGED: unique symbol = Symbol('unchanged');

/** The change that turns `from` into `to`, or `UNCHANGED`. */
export function diffTree(from: Tree, to: Tree): Tree | typeof UNCHANGED {
  if (from === to) return UNCHANGED;
  if (isPatchable(from) && isPatchable(to)) {
    const patch: TreeObject = {};
    let changed = false;
    for (const k of Object.keys(to)) {
      const c = Object.hasOwn(from, k) ? diffTree(from[k]!, to[k]!) : to[k]!;
      if (c === UNCHANGED) continue;
      setOwn(patch, k, c);
      changed = true;
    }
    for (const k of Object.keys(from)) {
      if (Object.hasOwn(to, k)) continue;
      setOwn(patch, k, { [REMOVE]: 1 });
      changed = true;
    }
    return changed ? { [PATCH]: patch } : UNCHANGED;
  }
  return sameTree(from, to) ? UNCHANGED : to;
}

/** Apply a change from `diffTree` to `base`. Throws when a patch has no object to apply to. */
export function applyChange(base: Tree | undefined, change: Tree): Tree {
  if (!isMarker(change) || !Object.hasOwn(change, PATCH)) return change;
  const patch = change[PATCH];
  if (!isPatchable(base) || !isObject(patch)) throw new TypeError('patch without an object to apply it to');
  const out: TreeObject = { ...base };
  for (const k of Object.keys(patch)) {
    const c = patch[k]!;
    if (isMarker(c) && Object.hasOwn(c, REMOVE)) delete out[k];
    else setOwn(out, k, applyChange(Object.hasOwn(out, k) ? out[k] : undefined, c));
  }
  return out;
}

/** Plain objects are patched field by field; markers (byte strings, escaped objects) are leaves. */
function isPatchable(tree: Tree | undefined): tree is TreeObject {
  return isObject(tree) && !isMarker(tree);
}

function sameTree(a: Tree, b: Tree): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameTree(v, b[i]!));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameTree(a[k]!, b[k]!));
}
