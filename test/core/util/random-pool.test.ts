import { describe, expect, it } from 'vitest';
import { randomText } from '../../../main/core/util/random-pool.js';
import { newMessageId } from '../../../main/core/outbox/message-id.js';

describe('randomText', () => {
  it('gives ids of the asked length and encoding, never the same one twice, across pool refills', () => {
    const seen = new Set<string>();
    // 3,000 ids of 9 bytes: several refills of the 4.5 KiB pool.
    for (let i = 0; i < 3_000; i++) {
      const id = randomText(9, 'base64url');
      expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(3_000);
    expect(randomText(4, 'hex')).toMatch(/^[0-9a-f]{8}$/);
    expect(randomText(10_000, 'hex')).toHaveLength(20_000); // more than a pool: served whole
  });

  it('message ids keep the WhatsApp Web shape', () => {
    const ids = new Set(Array.from({ length: 600 }, () => newMessageId()));
    expect(ids.size).toBe(600);
    for (const id of ids) expect(id).toMatch(/^3EB0[0-9A-F]{18}$/);
  });
});
