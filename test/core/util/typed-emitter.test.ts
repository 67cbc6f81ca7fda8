/**
 * The emitter every store and the core use: who gets an event when listeners come and go while
 * it is being emitted, and `emitIfHeard` building its payload only for an audience.
 */
import { expect, it } from 'vitest';
import { TypedEmitter } from '../../../main/core/util/typed-emitter.js';

type Events = { tick: number; other: string };

it('a listener added during an emit gets the next emit, not the one under way', () => {
  const e = new TypedEmitter<Events>();
  const got: string[] = [];
  e.on('tick', (n) => {
    got.push(`a${n}`);
    if (n === 1) e.on('tick', (m) => got.push(`late${m}`));
  });
  e.on('tick', (n) => got.push(`b${n}`));
  e.emit('tick', 1);
  expect(got).toEqual(['a1', 'b1']);
  e.emit('tick', 2);
  expect(got).toEqual(['a1', 'b1', 'a2', 'b2', 'late2']);
});

it('a listener removed during an emit still gets that emit (the listeners it started with), and none after', () => {
  const e = new TypedEmitter<Events>();
  const got: string[] = [];
  let offB: () => void = () => undefined;
  e.on('tick', (n) => {
    got.push(`a${n}`);
    offB();
  });
  offB = e.on('tick', (n) => got.push(`b${n}`));
  // A listener removing itself while it runs.
  const offC = e.on('tick', (n) => {
    got.push(`c${n}`);
    offC();
  });
  e.on('tick', (n) => got.push(`d${n}`));
  e.emit('tick', 1);
  expect(got).toEqual(['a1', 'b1', 'c1', 'd1']);
  e.emit('tick', 2);
  expect(got).toEqual(['a1', 'b1', 'c1', 'd1', 'a2', 'd2']);
  expect(e.listenerCount('tick')).toBe(2);
});

it('a listener added twice is called once; its unsubscribe removes it; unsubscribing twice is harmless', () => {
  const e = new TypedEmitter<Events>();
  const got: number[] = [];
  const l = (n: number) => got.push(n);
  const off1 = e.on('tick', l);
  e.on('tick', l);
  expect(e.listenerCount('tick')).toBe(1);
  e.emit('tick', 1);
  off1();
  off1();
  e.emit('tick', 2);
  expect(got).toEqual([1]);
  expect(e.listenerCount('tick')).toBe(0);
});

it('a throwing listener does not keep the others from the event', () => {
  const e = new TypedEmitter<Events>();
  const got: number[] = [];
  e.on('tick', () => {
    throw new Error('boom');
  });
  e.on('tick', (n) => got.push(n));
  e.emit('tick', 7);
  expect(got).toEqual([7]);
});

it('emitIfHeard builds the payload only while someone listens to that event', () => {
  const e = new TypedEmitter<Events>();
  let built = 0;
  const build = () => {
    built++;
    return built;
  };
  e.on('other', () => undefined);
  e.emitIfHeard('tick', build);
  expect(built).toBe(0);

  const got: number[] = [];
  const off = e.on('tick', (n) => got.push(n));
  e.emitIfHeard('tick', build);
  expect(got).toEqual([1]);

  off();
  e.emitIfHeard('tick', build);
  expect(built).toBe(1);
});
