import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { DedupeStore } from '../../../main/core/inbound/index.js';

describe('DedupeStore', () => {
  it('remembers handled messages across a restart', async () => {
    const dir = tempDir('dedupe-');
    const a = await DedupeStore.open({ dir });
    await a.add(['chat1|ID1', 'alt1|ID1']);
    expect(a.has(['chat1|ID1'])).toBe(true);
    expect(a.has(['chat1|ID2'])).toBe(false);
    await a.close();
    const b = await DedupeStore.open({ dir });
    expect(b.has(['alt1|ID1'])).toBe(true);
    expect(b.has(['chat1|ID2'])).toBe(false);
    await b.close();
  });

  it('keeps at most maxEntries, dropping the oldest, and compacts its file', async () => {
    const dir = tempDir('dedupe-');
    const a = await DedupeStore.open({ dir, maxEntries: 100, compactAfterRecords: 150 });
    for (let i = 0; i < 400; i++) await a.add([`c|${i}`]);
    expect(a.size).toBe(100);
    expect(a.has(['c|299'])).toBe(false);
    expect(a.has(['c|300'])).toBe(true);
    await a.close();
    const b = await DedupeStore.open({ dir, maxEntries: 100 });
    expect(b.size).toBe(100);
    expect(b.has(['c|399'])).toBe(true);
    await b.close();
  });

  it('forgets keys older than maxAge', async () => {
    const dir = tempDir('dedupe-');
    let now = 1_000_000;
    const a = await DedupeStore.open({ dir, maxAgeMs: 1_000, now: () => now });
    await a.add(['old|1']);
    now += 2_000;
    await a.add(['new|1']);
    expect(a.has(['old|1'])).toBe(false);
    await a.close();
    now += 500;
    const b = await DedupeStore.open({ dir, maxAgeMs: 1_000, now: () => now });
    expect(b.has(['new|1'])).toBe(true);
    expect(b.has(['old|1'])).toBe(false);
    await b.close();
  });
});
