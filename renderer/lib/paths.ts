/** Dotted-path access into plain JSON objects (the rules editor binds fields by path). */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function key(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

export function getPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key(segment)];
  }
  return node;
}

/** Set `value` at `path`, creating objects on the way; `undefined` deletes the key. */
export function setPath(root: Json, path: string, value: unknown): void {
  const segments = path.split('.');
  let node: Record<string | number, unknown> = root;
  for (const segment of segments.slice(0, -1)) {
    const k = key(segment);
    if (node[k] === null || typeof node[k] !== 'object') node[k] = {};
    node = node[k] as Record<string | number, unknown>;
  }
  const last = key(segments[segments.length - 1]!);
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/**
 * Split an error path as the core reports it ("1.match.pattern", "rules[1].match.pattern",
 * "/rules/1/match/pattern") into the rule's index and the field path inside it.
 */
export function parseRulePath(path: string): { index?: number; field: string } {
  const parts = path.split(/[.[\]/]+/).filter(Boolean);
  if (parts[0] === 'rules') parts.shift();
  if (parts.length > 0 && /^\d+$/.test(parts[0]!)) {
    return { index: Number(parts[0]), field: parts.slice(1).join('.') };
  }
  return { field: parts.join('.') };
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
