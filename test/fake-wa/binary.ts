/**
 * Binary XML nodes: Baileys' own codec plus small builders and readers used by the fake server.
 */
import {
  decodeBinaryNode,
  encodeBinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  S_WHATSAPP_NET,
  type BinaryNode,
} from '@whiskeysockets/baileys';

export type { BinaryNode };
export { S_WHATSAPP_NET };

/** Encodes a node to a transport frame plaintext (leading 0x00 flag: uncompressed). */
export function encodeNode(node: BinaryNode): Buffer {
  return Buffer.from(encodeBinaryNode(node));
}

/** Decodes a transport frame plaintext (handles the zlib flag). */
export function decodeNode(data: Uint8Array): Promise<BinaryNode> {
  return decodeBinaryNode(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Builds a node; `undefined` attrs are dropped (the encoder rejects them). */
export function node(
  tag: string,
  attrs: Record<string, string | number | undefined> = {},
  content?: BinaryNode[] | Uint8Array | string,
): BinaryNode {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = String(v);
  return content === undefined ? { tag, attrs: clean } : { tag, attrs: clean, content };
}

/** First child with `tag`, if any. */
export function child(parent: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  return getBinaryNodeChild(parent, tag);
}

/** Every child with `tag`. */
export function children(parent: BinaryNode | undefined, tag: string): BinaryNode[] {
  return getBinaryNodeChildren(parent, tag);
}

/** Every child node, whatever its tag. */
export function allChildren(parent: BinaryNode | undefined): BinaryNode[] {
  return Array.isArray(parent?.content) ? parent.content : [];
}

/** The node's content as bytes (strings are UTF-8 encoded). */
export function bytesOf(n: BinaryNode | undefined): Buffer | undefined {
  const c = n?.content;
  if (c instanceof Uint8Array) return Buffer.from(c);
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return undefined;
}

/** Bytes of the first child with `tag`. */
export function childBytes(parent: BinaryNode | undefined, tag: string): Buffer | undefined {
  return bytesOf(child(parent, tag));
}

/** Big-endian unsigned integer from the first child with `tag`. */
export function childUInt(parent: BinaryNode | undefined, tag: string): number | undefined {
  const b = childBytes(parent, tag);
  if (!b || b.length === 0 || b.length > 6) return undefined;
  return b.readUIntBE(0, b.length);
}

/** Big-endian encoding of `value` in `length` bytes. */
export function uintBytes(value: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUIntBE(value, 0, length);
  return b;
}

/** Tag of the first child (the "what is this iq about" part). */
export function firstChildTag(n: BinaryNode): string | undefined {
  return allChildren(n)[0]?.tag;
}

/** Current time in unix seconds, as WhatsApp's `t` attribute. */
export function unixNow(): string {
  return Math.floor(Date.now() / 1000).toString();
}
