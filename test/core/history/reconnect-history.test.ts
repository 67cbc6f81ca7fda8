import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReconnectHistory } from '../../../main/core/history/reconnect-history.js';
import { tempDir } from '../../support/temp-dir.js';

describe('ReconnectHistory', () => {
  it('persists entries and survives a restart', async () => {
    const file = path.join(tempDir(), 'history.log');
    const h = await ReconnectHistory.open(file);
    await h.add({ at: 1000, state: 'open', meaning: 'Connected', recoveredBy: 'startup' });
    await h.add({ at: 2000, state: 'reconnecting', cause: 'connection-lost', code: 408, meaning: 'lost', attempt: 1, delayMs: 900 });
    await h.add({ at: 3000, state: 'open', meaning: 'Connected', outageMs: 1000, attempt: 1, recoveredBy: 'backoff' });
    await h.close();
    const again = await ReconnectHistory.open(file);
    expect(again.list().map((e) => [e.seq, e.state, e.cause])).toEqual([
      [3, 'open', undefined],
      [2, 'reconnecting', 'connection-lost'],
      [1, 'open', undefined],
    ]);
    expect(again.list({ cause: 'connection-lost' })[0]?.delayMs).toBe(900);
    await again.close();
  });

  it('is bounded to the newest entries', async () => {
    const file = path.join(tempDir(), 'history.log');
    const h = await ReconnectHistory.open(file, { limit: 100 });
    for (let i = 0; i < 400; i++) await h.add({ at: i, state: 'connecting', meaning: 'x' });
    expect(h.size).toBeLessThanOrEqual(150);
    await h.close();
    const again = await ReconnectHistory.open(file, { limit: 100 });
    expect(again.size).toBe(100);
    expect(again.list({ limit: 1 })[0]?.at).toBe(399);
    await again.close();
  });

  it('counts drops per cause and draws an uptime timeline', async () => {
    const h = await ReconnectHistory.open(path.join(tempDir(), 'h.log'));
    await h.add({ at: 0, state: 'open', meaning: '' });
    await h.add({ at: 250, state: 'reconnecting', cause: 'connection-closed', meaning: '' });
    await h.add({ at: 500, state: 'open', meaning: '' });
    await h.add({ at: 600, state: 'conflict', cause: 'replaced', meaning: '' });
    await h.add({ at: 700, state: 'reconnecting', cause: 'connection-closed', meaning: '' });
    await h.add({ at: 800, state: 'connecting', cause: 'restart-required', meaning: '' });
    await h.add({ at: 900, state: 'stopped', cause: 'user', meaning: '' });
    // The restart after linking and our own closes are not drops.
    expect(h.countsByCause()).toEqual({ 'connection-closed': 2, replaced: 1 });
    const buckets = h.uptime(0, 1000, 4);
    expect(buckets.map((b) => b.up)).toEqual([1, 0, 0.4, 0]);
    expect(buckets.map((b) => b.known)).toEqual([1, 1, 1, 1]);
    // Before the first record there is no data, which is not downtime.
    const earlier = h.uptime(-1000, 1000, 4);
    expect(earlier.map((b) => b.known)).toEqual([0, 0, 1, 1]);
    expect(earlier.map((b) => b.up)).toEqual([0, 0, 0.5, 0.2]);
    await h.close();
  });
});
