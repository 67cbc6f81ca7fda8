import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appIconPng, encodePng, TRAY_TONES, trayIconPixels, trayIconPng } from '../../main/electron/icons.js';

/** Decode the PNGs encodePng writes (RGBA, filter 0, one IDAT). */
function decode(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  let offset = 8;
  let idat = Buffer.alloc(0);
  while (offset < png.length) {
    const len = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('ascii');
    if (type === 'IDAT') idat = Buffer.concat([idat, png.subarray(offset + 8, offset + 8 + len)]);
    offset += 12 + len;
  }
  const rows = inflateSync(idat);
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) rows.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, rgba };
}

describe('icons', () => {
  it('encodes pixels as a PNG that decodes back to them', () => {
    const pixels = trayIconPixels('connected', 16);
    const { width, height, rgba } = decode(encodePng(pixels, 16, 16));
    expect([width, height]).toEqual([16, 16]);
    expect(rgba).toEqual(pixels);
  });

  it('draws a distinct icon per tray tone, transparent in the corners', () => {
    const pngs = TRAY_TONES.map((t) => trayIconPng(t, 32).toString('base64'));
    expect(new Set(pngs).size).toBe(TRAY_TONES.length);
    for (const tone of TRAY_TONES) {
      const px = trayIconPixels(tone, 32);
      expect(px[3]).toBe(0); // top-left corner alpha
      expect(px[(16 * 32 + 2) * 4 + 3]).toBe(255); // inside the disc
    }
  });

  it('makes a 512 px app icon', () => {
    const { width, height } = decode(appIconPng(512));
    expect([width, height]).toEqual([512, 512]);
  });
});
