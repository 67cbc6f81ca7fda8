/**
 * WhatsApp's WebSocket framing: each frame is a 3-byte big-endian length and a payload. Frames may
 * be split across or coalesced within WebSocket messages. The client's first bytes carry an intro
 * header, `WA 06 03`, optionally preceded by `ED 00 01 <len:3> <routingInfo>`.
 */

/** Intro header sent by Baileys (`NOISE_WA_HEADER`): "WA", 6, dictionary version 3. */
export const WA_INTRO = Buffer.from([0x57, 0x41, 0x06, 0x03]);

const MAX_FRAME = 0xffffff;

/** Prefixes `payload` with its 3-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.byteLength > MAX_FRAME) throw new Error(`frame too large: ${payload.byteLength}`);
  const out = Buffer.allocUnsafe(3 + payload.byteLength);
  out[0] = (payload.byteLength >>> 16) & 0xff;
  out[1] = (payload.byteLength >>> 8) & 0xff;
  out[2] = payload.byteLength & 0xff;
  out.set(payload, 3);
  return out;
}

/** Reassembles frames from the client's byte stream, stripping the intro header first. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private introDone = false;
  /** Routing info the client sent in an `ED` intro, if any. */
  routingInfo: Buffer | undefined;

  /** Adds bytes; returns every frame payload now complete, in order. Throws on a bad intro. */
  push(chunk: Uint8Array): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : Buffer.from(chunk);
    if (!this.introDone && !this.consumeIntro()) return [];
    const frames: Buffer[] = [];
    while (this.buffered.length >= 3) {
      const size = (this.buffered[0]! << 16) | (this.buffered[1]! << 8) | this.buffered[2]!;
      if (this.buffered.length < size + 3) break;
      frames.push(this.buffered.subarray(3, size + 3));
      this.buffered = this.buffered.subarray(size + 3);
    }
    return frames;
  }

  private consumeIntro(): boolean {
    const b = this.buffered;
    if (b.length >= 1 && b[0] === 0x45 /* 'E' */) {
      if (b.length < 7) return false;
      const len = (b[4]! << 16) | (b[5]! << 8) | b[6]!;
      if (b.length < 7 + len + WA_INTRO.length) return false;
      this.routingInfo = Buffer.from(b.subarray(7, 7 + len));
      this.buffered = b.subarray(7 + len);
    }
    if (this.buffered.length < WA_INTRO.length) return false;
    if (!this.buffered.subarray(0, WA_INTRO.length).equals(WA_INTRO)) {
      throw new Error('bad intro header');
    }
    this.buffered = this.buffered.subarray(WA_INTRO.length);
    this.introDone = true;
    return true;
  }
}
