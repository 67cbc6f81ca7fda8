/**
 * Open a store's log: its lane of the shared commit log when one is given (how the core runs),
 * else a file of its own (the store alone, in its own tests and tools).
 */
import type { CommitLog } from './commit-log.js';
import type { ByteCipher } from './cipher.js';
import { FileLog } from './file-log.js';
import type { RecordLogRecovery } from './record-log.js';
import type { CompactionPolicy, StoreLog } from './store-log.js';

export interface StoreLogPlace {
  /** The store's own file (used without a commit log). */
  file: string;
  /** Its lane in the commit log (used with one). */
  lane: string;
  commitLog?: CommitLog;
}

export async function openStoreLog<T>(
  place: StoreLogPlace,
  options: { parse: (value: unknown) => T | undefined; cipher?: ByteCipher; policy: CompactionPolicy },
): Promise<{ log: StoreLog<T>; records: T[]; recovery?: RecordLogRecovery }> {
  if (place.commitLog) {
    const { lane, records } = place.commitLog.lane(place.lane, options.parse);
    return { log: lane, records };
  }
  const { journal, records, recovery } = await FileLog.open(place.file, options);
  return { log: journal, records, recovery };
}
