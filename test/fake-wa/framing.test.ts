/** Unit checks for the frame reader: intro header forms, split and coalesced frames. */
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, WA_INTRO } from './framing.js';

describe('FrameReader', () => {
  it('strips the intro and reassembles frames split byte by byte', () => {
    const stream = Buffer.concat([WA_INTRO, encodeFrame(Buffer.from('hello')), encodeFrame(Buffer.from('world!'))]);
    const reader = new FrameReader();
    const frames: string[] = [];
    for (const byte of stream) frames.push(...reader.push(Buffer.from([byte])).map((f) => f.toString()));
    expect(frames).toEqual(['hello', 'world!']);
  });

  it('returns coalesced frames from one chunk, and an empty frame', () => {
    const reader = new FrameReader();
    const chunk = Buffer.concat([WA_INTRO, encodeFrame(Buffer.from('a')), encodeFrame(Buffer.alloc(0)), encodeFrame(Buffer.from('b'))]);
    expect(reader.push(chunk).map((f) => f.toString())).toEqual(['a', '', 'b']);
  });

  it('accepts the ED routing-info intro and keeps the routing info', () => {
    const routing = Buffer.from([1, 2, 3, 4, 5]);
    const ed = Buffer.from([0x45, 0x44, 0, 1, 0, 0, routing.length]);
    const reader = new FrameReader();
    const frames = reader.push(Buffer.concat([ed, routing, WA_INTRO, encodeFrame(Buffer.from('x'))]));
    expect(frames.map((f) => f.toString())).toEqual(['x']);
    expect(reader.routingInfo).toEqual(routing);
  });

  it('rejects a bad intro', () => {
    expect(() => new FrameReader().push(Buffer.from('GET / HTTP/1.1'))).toThrow('bad intro header');
  });
});
