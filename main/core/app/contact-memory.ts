/**
 * Which contacts have been seen before, and when a message last passed in their chat, for
 * "first message from a contact" and greeting ("the first after N days of silence") rules. Kept
 * in memory and appended to a record log, so it survives a restart.
 *
 * A record is `{ k, at }`; one written before times were kept is a bare key, read as seen when
 * the log is opened (so an upgrade greets nobody again at once). To bound the writes, a newer
 * time is written only when the stored one is an hour or more older: greetings count in days.
 */
import path from 'node:path';
import { z } from 'zod';
import type { ContactMemory } from '../autoreply/engine.js';
import { RecordLog } from '../storage/record-log.js';
import type { ByteCipher } from '../storage/cipher.js';
import { getLogger } from '../logging/logger.js';

const WRITE_GRANULARITY_MS = 3_600_000;

const recordSchema = z.union([
  z.string().max(200),
  z.object({ k: z.string().max(200), at: z.number() }),
]);
type SeenRecord = { k: string; at: number };

export class PersistedContactMemory implements ContactMemory {
  /** Contact key → the latest message time known. */
  private readonly seen = new Map<string, number>();
  /** Contact key → the time last written to the log. */
  private readonly written = new Map<string, number>();

  private constructor(
    private readonly log: RecordLog<SeenRecord>,
    private readonly now: () => number,
  ) {}

  static async open(dir: string, cipher?: ByteCipher, now: () => number = Date.now): Promise<PersistedContactMemory> {
    const openedAt = now();
    const { log, records } = await RecordLog.open(path.join(dir, 'contacts-seen.log'), {
      parse: (v): SeenRecord | undefined => {
        const r = recordSchema.safeParse(v);
        if (!r.success) return undefined;
        return typeof r.data === 'string' ? { k: r.data, at: openedAt } : r.data;
      },
      cipher,
    });
    const memory = new PersistedContactMemory(log, now);
    for (const r of records) {
      memory.seen.set(r.k, Math.max(memory.seen.get(r.k) ?? 0, r.at));
      memory.written.set(r.k, memory.seen.get(r.k)!);
    }
    if (records.length > memory.seen.size * 2 + 100) {
      await log.rewrite([...memory.seen].map(([k, at]) => ({ k, at })));
    }
    return memory;
  }

  hasSeen(contactKey: string): boolean {
    return this.seen.has(contactKey);
  }

  lastSeen(contactKey: string): number | undefined {
    return this.seen.get(contactKey);
  }

  markSeen(contactKey: string, at: number = this.now()): void {
    const known = this.seen.get(contactKey);
    if (known !== undefined && known >= at) return;
    this.seen.set(contactKey, at);
    const written = this.written.get(contactKey);
    if (written !== undefined && at - written < WRITE_GRANULARITY_MS) return;
    this.written.set(contactKey, at);
    this.log
      .append({ k: contactKey, at })
      .catch((err: unknown) => getLogger('contacts').error({ err }, 'saving a seen contact failed'));
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
