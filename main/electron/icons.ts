/**
 * The app's icons, drawn in code: a coloured disc per tray tone with a white glyph, and the app
 * icon (a reply arrow). The same drawing makes the tray images at run time and the PNG files in
 * build/ (scripts/make-icons.ts), so there is no binary art to keep in sync.
 *
 * Pure Node (no Electron import): pixels are RGBA, anti-aliased by 4×4 supersampling, encoded as
 * PNG with node:zlib.
 */
import { deflateSync } from 'node:zlib';

export type TrayTone = 'connected' | 'working' | 'needs-action' | 'off';
export const TRAY_TONES: readonly TrayTone[] = ['connected', 'working', 'needs-action', 'off'];

type Rgb = readonly [number, number, number];

const TONE_COLOR: Record<TrayTone, Rgb> = {
  connected: [0x1e, 0xa0, 0x52],
  working: [0xd9, 0x8e, 0x04],
  'needs-action': [0xd1, 0x3b, 0x3b],
  off: [0x7c, 0x83, 0x8d],
};

/** A shape in unit coordinates (0..1, y down): true when the point is inside. */
type Shape = (x: number, y: number) => boolean;

function disc(cx: number, cy: number, r: number): Shape {
  return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** A stroke from (ax,ay) to (bx,by) with round caps and half-width w. */
function stroke(ax: number, ay: number, bx: number, by: number, w: number): Shape {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  return (x, y) => {
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    const px = ax + t * dx - x;
    const py = ay + t * dy - y;
    return px * px + py * py <= w * w;
  };
}

function union(...shapes: Shape[]): Shape {
  return (x, y) => shapes.some((s) => s(x, y));
}

const GLYPH: Record<TrayTone, Shape> = {
  // a check mark
  connected: union(stroke(0.3, 0.52, 0.44, 0.66, 0.065), stroke(0.44, 0.66, 0.71, 0.36, 0.065)),
  // three dots: busy
  working: union(disc(0.3, 0.5, 0.075), disc(0.5, 0.5, 0.075), disc(0.7, 0.5, 0.075)),
  // an exclamation mark
  'needs-action': union(stroke(0.5, 0.26, 0.5, 0.56, 0.07), disc(0.5, 0.72, 0.075)),
  // a pause sign
  off: union(stroke(0.41, 0.32, 0.41, 0.68, 0.065), stroke(0.59, 0.32, 0.59, 0.68, 0.065)),
};

/** A reply arrow (↩): head on the left, shaft that curls down on the right. */
const REPLY_ARROW: Shape = union(
  stroke(0.28, 0.42, 0.42, 0.28, 0.055),
  stroke(0.28, 0.42, 0.42, 0.56, 0.055),
  stroke(0.28, 0.42, 0.56, 0.42, 0.055),
  stroke(0.56, 0.42, 0.66, 0.46, 0.055),
  stroke(0.66, 0.46, 0.71, 0.55, 0.055),
  stroke(0.71, 0.55, 0.71, 0.7, 0.055),
);

/**
 * Render a disc of `color` with a white `glyph` into RGBA pixels. A pixel whose corners and
 * centre agree is flat; only edge pixels are supersampled (4×4), which keeps large icons cheap.
 */
function render(size: number, color: Rgb, glyph: Shape, radius = 0.47): Buffer {
  const body = disc(0.5, 0.5, radius);
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  const classify = (ux: number, uy: number): number => (body(ux, uy) ? (glyph(ux, uy) ? 2 : 1) : 0);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      let white = 0;
      const probe = [
        classify(x / size, y / size),
        classify((x + 1) / size, y / size),
        classify(x / size, (y + 1) / size),
        classify((x + 1) / size, (y + 1) / size),
        classify((x + 0.5) / size, (y + 0.5) / size),
      ];
      if (probe.every((c) => c === probe[0])) {
        cover = probe[0]! > 0 ? S * S : 0;
        white = probe[0] === 2 ? S * S : 0;
      } else {
        for (let sy = 0; sy < S; sy++) {
          for (let sx = 0; sx < S; sx++) {
            const c = classify((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
            if (c > 0) cover++;
            if (c === 2) white++;
          }
        }
      }
      const i = (y * size + x) * 4;
      if (cover === 0) continue;
      const w = white / cover;
      px[i] = Math.round(color[0] * (1 - w) + 255 * w);
      px[i + 1] = Math.round(color[1] * (1 - w) + 255 * w);
      px[i + 2] = Math.round(color[2] * (1 - w) + 255 * w);
      px[i + 3] = Math.round((255 * cover) / (S * S));
    }
  }
  return px;
}

export function trayIconPixels(tone: TrayTone, size: number): Buffer {
  return render(size, TONE_COLOR[tone], GLYPH[tone]);
}

export function appIconPixels(size: number): Buffer {
  return render(size, TONE_COLOR.connected, REPLY_ARROW, 0.48);
}

// ---- PNG ------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encode RGBA pixels (8 bits per channel, no interlace) as a PNG file. */
export function encodePng(rgba: Buffer, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function trayIconPng(tone: TrayTone, size: number): Buffer {
  return encodePng(trayIconPixels(tone, size), size, size);
}

export function appIconPng(size: number): Buffer {
  return encodePng(appIconPixels(size), size, size);
}
