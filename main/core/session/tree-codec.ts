/**
 * A compact, JSON-safe form ("tree") for Baileys' creds and signal-key values.
 *
 * Why not Baileys' `BufferJSON`: it wraps every byte string as `{"type":"Buffer","data":"…"}`
 * (28 bytes of wrapping per buffer) and its reviver also turns any all-digit-keyed object into a
 * Buffer. Here a byte string is `{"$b":"<base64>"}`, or `{"$t":"<text>"}` when its bytes are
 * printable ASCII (Baileys stores sender keys as Buffers of JSON text; kept as text they
 * compress far better than base64 does).
 *
 * Markers are objects with exactly one key starting with `$`. A real object of that shape is
 * escaped as `{"$o":{…}}`, so decoding is never ambiguous. `tree-diff.ts` relies on this too.
 *
 * Class instances (protobuf messages, `Long`) are written as their own enumerable fields, not
 * through `toJSON`: protobuf's `toJSON` would turn bytes into base64 strings and 64-bit integers
 * into strings, changing their type on read-back.
 */

export type Tree = null | boolean | number | string | Tree[] | TreeObject;
export interface TreeObject {
  [key: string]: Tree;
}

const BYTES = '$b';
const TEXT = '$t';
const ESCAPED = '$o';
/** Shorter byte strings stay base64: the text form only pays off once there is text to compress. */
const MIN_TEXT_BYTES = 16;

/**
 * Encode a value into a tree. Throws `TypeError` on values JSON cannot hold (bigint, cycles).
 *
 * With `previous` (the tree of the value this one replaces), every part of the value that
 * encodes to the same as the matching part of `previous` is that part of `previous`, not a
 * copy: a Signal session written back after a message differs from the last one in a counter
 * and a key or two, so most of it is shared, fewer objects are made, and diffing the two
 * (`tree-diff.ts`) stops at shared parts at once. Trees are never mutated, so sharing is safe.
 * The result equals a fresh encoding field for field (shared parts keep their field order).
 */
export function encodeValue(value: unknown, previous?: Tree): Tree {
  return previous === undefined ? encode(value, 0) : encodeLike(value, previous, 0);
}

/** Rebuild a value from a tree: byte strings come back as `Buffer`s, everything fresh (no sharing). */
export function decodeValue(tree: Tree): unknown {
  if (tree === null || typeof tree !== 'object') return tree;
  if (Array.isArray(tree)) return tree.map(decodeValue);
  const keys = Object.keys(tree);
  if (keys.length === 1 && keys[0]!.startsWith('$')) {
    const inner = tree[keys[0]!];
    if (keys[0] === BYTES && typeof inner === 'string') return Buffer.from(inner, 'base64');
    if (keys[0] === TEXT && typeof inner === 'string') return Buffer.from(inner, 'latin1');
    if (keys[0] === ESCAPED && isObject(inner)) return decodeFields(inner);
    throw new TypeError(`unknown marker ${keys[0]}`);
  }
  return decodeFields(tree);
}

/** True for an object with exactly one `$`-key: a byte string, an escaped object, or a diff op. */
export function isMarker(tree: Tree | undefined): tree is TreeObject {
  if (!isObject(tree)) return false;
  let n = 0;
  let first = '';
  for (const k in tree) {
    if (n++ === 0) first = k;
    else return false;
  }
  return n === 1 && first.startsWith('$');
}

/** Frozen trees that are not plain data (hold a marker somewhere): only `freezeTree` freezes trees. */
const frozenWithMarkers = new WeakSet<object>();

/**
 * Freeze `tree` in place, all the way down, and say whether it is plain data: no byte string,
 * no escaped object, nothing `decodeValue` would turn into something else. A plain tree is then
 * its own decoded value and can be handed out as is: frozen, a caller cannot change it (in
 * strict code, trying throws). Trees are never mutated after they are built, so freezing one
 * changes nothing for the store. Only this function freezes trees, always all the way down, so
 * a frozen part (one shared with an earlier tree, see `encodeValue`) is not walked again.
 */
export function freezeTree(tree: Tree): boolean {
  if (tree === null || typeof tree !== 'object') return true;
  if (Object.isFrozen(tree)) return !frozenWithMarkers.has(tree);
  let plain = true;
  if (Array.isArray(tree)) {
    for (let i = 0; i < tree.length; i++) if (!freezeTree(tree[i]!)) plain = false;
  } else {
    let n = 0;
    let first = '';
    for (const k in tree) {
      if (n++ === 0) first = k;
      if (!freezeTree(tree[k]!)) plain = false;
    }
    if (n === 1 && first.startsWith('$')) plain = false;
  }
  Object.freeze(tree);
  if (!plain) frozenWithMarkers.add(tree);
  return plain;
}

export function isObject(tree: Tree | undefined): tree is TreeObject {
  return typeof tree === 'object' && tree !== null && !Array.isArray(tree);
}

/** Set an own property, also for the key `__proto__` (plain assignment would change the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function decodeFields(tree: TreeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(tree)) setOwn(out, k, decodeValue(tree[k]!));
  return out;
}

const MAX_DEPTH = 200;

function encode(value: unknown, depth: number): Tree {
  if (depth > MAX_DEPTH) throw new TypeError('value is nested too deeply (a cycle?)');
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null; // as JSON does
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
    case 'bigint':
      throw new TypeError('bigint values cannot be stored');
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return encodeBytes(value);
  if (value instanceof ArrayBuffer) return encodeBytes(new Uint8Array(value));
  if (Array.isArray(value)) return value.map((v) => encode(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: TreeObject = {};
  let n = 0;
  let first = '';
  for (const k of Object.keys(value as object)) {
    const v = (value as Record<string, unknown>)[k];
    // Like JSON: fields holding undefined or functions are left out.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    setOwn(out, k, encode(v, depth + 1));
    if (n++ === 0) first = k;
  }
  return n === 1 && first.startsWith('$') ? { [ESCAPED]: out } : out;
}

/** `isMarker` without narrowing the type (a tree that is not a marker is still a `TreeObject`). */
function hasMarkerShape(tree: Tree): boolean {
  return isMarker(tree);
}

/** Fields `encode` leaves out of an object, as JSON does. */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * `encode`, sharing with `prev` every part that encodes the same (see `encodeValue`). Walks the
 * value once; a new object is made only for a part that differs (or holds a part that does).
 * Byte strings, dates and markers are encoded afresh (the diff compares them by content).
 */
function encodeLike(value: unknown, prev: Tree, depth: number): Tree {
  if (value === null || typeof value !== 'object' || prev === null || typeof prev !== 'object') return encode(value, depth);
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof Date) return encode(value, depth);
  if (depth > MAX_DEPTH) throw new TypeError('value is nested too deeply (a cycle?)');
  if (Array.isArray(value)) {
    if (!Array.isArray(prev)) return encode(value, depth);
    let out: Tree[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const p = i < prev.length ? prev[i]! : undefined;
      const c = p === undefined ? encode(value[i], depth + 1) : encodeLike(value[i], p, depth + 1);
      if (out === undefined && c !== p) out = prev.slice(0, i);
      out?.push(c);
    }
    if (out === undefined) return value.length === prev.length ? prev : prev.slice(0, value.length);
    return out;
  }
  if (Array.isArray(prev) || hasMarkerShape(prev)) return encode(value, depth);
  const before = prev as TreeObject;
  const v = value as Record<string, unknown>;
  let out: TreeObject | undefined;
  let n = 0;
  let first = '';
  for (const k in v) {
    if (!Object.hasOwn(v, k) || skipped(v[k])) continue;
    const p = Object.hasOwn(before, k) ? before[k] : undefined;
    const c = p === undefined ? encode(v[k], depth + 1) : encodeLike(v[k], p, depth + 1);
    if (out === undefined && c !== p) {
      // The first field that differs: the ones before it are the previous tree's.
      out = {};
      for (const j in v) {
        if (j === k) break;
        if (Object.hasOwn(v, j) && !skipped(v[j])) setOwn(out, j, before[j]!);
      }
    }
    if (out !== undefined) setOwn(out, k, c);
    if (n++ === 0) first = k;
  }
  const escaped = n === 1 && first.startsWith('$');
  if (out === undefined) {
    let m = 0;
    for (const j in before) if (Object.hasOwn(before, j)) m++;
    if (m === n && !escaped) return before;
    // Fields were dropped: the ones left are the previous tree's.
    out = {};
    for (const j in v) if (Object.hasOwn(v, j) && !skipped(v[j])) setOwn(out, j, before[j]!);
  }
  return escaped ? { [ESCAPED]: out } : out;
}

function encodeBytes(bytes: Uint8Array): Tree {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= MIN_TEXT_BYTES && isPrintableAscii(buf)) return { [TEXT]: buf.toString('latin1') };
  return { [BYTES]: buf.toString('base64') };
}

function isPrintableAscii(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
