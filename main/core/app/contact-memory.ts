/**
 * Which contacts have been seen before, for "first message from a contact" rules. A set kept in
 * memory and appended to a record log, so it survives a restart.
 */
import path from 'node:path';
import * as z from 'zod';
import type { ContactMemory } from '../autoreply/engine.js';
import { RecordLog } from '../storage/record-log.js';
import type { ByteCipher } from '../storage/cipher.js';
import { getLogger } from '../logging/logger.js';

export class PersistedContactMemory implements ContactMemory {
  private constructor(
    private readonly log: RecordLog<string>,
    private readonly seen: Set<string>,
  ) {}

  static async open(dir: string, cipher?: ByteCipher): Promise<PersistedContactMemory> {
    const { log, records } = await RecordLog.open(path.join(dir, 'contacts-seen.log'), {
      parse: (v) => {
        const r = z.string().max(200).safeParse(v);
        return r.success ? r.data : undefined;
      },
      cipher,
    });
    const seen = new Set(records);
    if (records.length > seen.size * 2 + 100) await log.rewrite([...seen]);
    return new PersistedContactMemory(log, seen);
  }

  hasSeen(contactKey: string): boolean {
    return this.seen.has(contactKey);
  }

  markSeen(contactKey: string): void {
    if (this.seen.has(contactKey)) return;
    this.seen.add(contactKey);
    this.log.append(contactKey).catch((err: unknown) => getLogger('contacts').error({ err }, 'saving a seen contact failed'));
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
