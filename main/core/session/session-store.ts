/**
 * The session store: Baileys' `AuthenticationState` (creds and every signal key type) in one
 * folder, crash-safe, encrypted at rest when a key wrapper is given, and never a crash loop.
 *
 * On disk, in `dir` (a folder of its own; settings, logs and history live elsewhere):
 *   creds.bin    the creds, replaced atomically on each save          (`creds-file.ts`)
 *   keys.log     every signal key: an append-only, checksummed log,
 *                compacted now and then to a snapshot                  (`key-log.ts`)
 *   session.key  the random data key, wrapped by the key wrapper (OS keychain); only with one
 *   *.corrupt-*  damaged files set aside (kept for diagnosis, never read again)
 *
 * Damage (or a data key the keychain cannot unlock) moves the session files aside and throws a
 * `SessionStoreError`; the folder is then fresh, so the next open succeeds unpaired. A torn end
 * of the key log (a crash in mid-append) is not damage: the batches before it are kept.
 *
 * The folder must be held by one process at a time; the app's single-instance lock on the
 * session folder is what guarantees that.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initAuthCreds, type AuthenticationCreds, type AuthenticationState, type SignalKeyStore } from '@whiskeysockets/baileys';
import { fsyncDir, quarantineFile, removeStaleTempFiles } from '../storage/atomic-file.js';
import { CipherError, loadOrCreateDataKey, type ByteCipher, type KeyWrapper } from '../storage/cipher.js';
import { getLogger } from '../logging/logger.js';
import { CredsDamage, readCreds, writeCreds } from './creds-file.js';
import { KeyLog, KeyLogDamage, type KeyLogStats } from './key-log.js';
import { CoalescingRunner, SerialQueue } from './serial-queue.js';
import { SessionStoreError } from './errors.js';
import { rejectingThrows, SETTLED } from '../util/promise-free.js';

export { SessionStoreError, type SessionStoreErrorKind } from './errors.js';

export interface SessionStoreOptions {
  /** Protects the data key (Electron `safeStorage` in the app). Without one, files are in clear. */
  keyWrapper?: KeyWrapper;
  /** The key log is not compacted below this size (default 2 MiB). */
  compactEveryBytes?: number;
}

export interface SessionStoreStats extends KeyLogStats {
  credsWrites: number;
  bytesCreds: number;
}

interface SessionFiles {
  creds: string;
  keys: string;
  dataKey: string;
}

const logger = () => getLogger('session-store');

export class SessionStore {
  readonly encryption: 'os-keychain' | 'weak' | 'key-file' | 'test' | 'none';
  private readonly queue = new SerialQueue();
  private readonly credsSaver = new CoalescingRunner(this.queue, () => this.writeCredsNow());
  private current: AuthenticationState;
  private closed = false;
  private credsWrites = 0;
  private bytesCreds = 0;

  private constructor(
    readonly dir: string,
    private readonly files: SessionFiles,
    private readonly options: SessionStoreOptions,
    private cipher: ByteCipher | undefined,
    private creds: AuthenticationCreds,
    private keyLog: KeyLog,
  ) {
    this.encryption = options.keyWrapper?.strength ?? 'none';
    this.current = authState(creds, keyLog);
  }

  /** Open the session in `dir` (created if missing). Throws `SessionStoreError`. */
  static async open(dir: string, options: SessionStoreOptions = {}): Promise<SessionStore> {
    const files: SessionFiles = {
      creds: path.join(dir, 'creds.bin'),
      keys: path.join(dir, 'keys.log'),
      dataKey: path.join(dir, 'session.key'),
    };
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await removeStaleTempFiles(dir);
      const cipher = await unlockDataKey(files, options.keyWrapper);
      const loaded = await loadCreds(files, cipher);
      // Keys without creds belong to no identity (e.g. a wipe cut short): start them empty.
      if (!loaded) await fs.rm(files.keys, { force: true });
      const keyLog = await openKeys(files, cipher, options.compactEveryBytes);
      if (loaded && lostPublishedPreKeys(loaded.creds, keyLog)) {
        // More than a torn tail: creds are saved only after the keys they refer to are durable.
        await keyLog.close().catch(() => undefined);
        throw new SessionStoreError('corrupt', 'the key log lost the pre-keys the creds say were published', await setAside(files, false));
      }
      const store = new SessionStore(dir, files, options, cipher, loaded?.creds ?? initAuthCreds(), keyLog);
      if (loaded?.wasPlain) {
        // Written before encryption was on: seal it now.
        await store.saveCreds().catch(async (err: unknown) => {
          await store.close().catch(() => undefined);
          throw err;
        });
      }
      logger().info({ paired: store.hasSession(), keys: keyLog.size, encryption: store.encryption }, 'session store opened');
      return store;
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /** `{ creds, keys }` for `makeWASocket({ auth })`. A new object (creds and keys) after `wipe()`. */
  get state(): AuthenticationState {
    return this.current;
  }

  /** Paired: the creds know which account this computer is linked to. */
  hasSession(): boolean {
    return Boolean(this.creds.me?.id);
  }

  /** Counters for tests and benchmarks (key-log counters restart after a wipe). */
  get stats(): SessionStoreStats {
    return { ...this.keyLog.stats, credsWrites: this.credsWrites, bytesCreds: this.bytesCreds };
  }

  /**
   * Persist the creds (call on Baileys' `creds.update`). The keys set so far are made durable
   * first, so the creds on disk never refer to keys (pre-keys) that are not. Calls made while a
   * save is waiting share it.
   */
  saveCreds(): Promise<void> {
    if (this.closed) return Promise.reject(new SessionStoreError('io', 'session store is closed'));
    return this.credsSaver.run().catch((err: unknown) => {
      throw asStoreError(err);
    });
  }

  /** Resolves once every key set and creds save made so far is durable. */
  flush(): Promise<void> {
    return this.queue.run(() => this.keyLog.flush()).catch((err: unknown) => {
      throw asStoreError(err);
    });
  }

  /**
   * Log out: delete the creds, keys and data key (nothing else in or beside the folder), then
   * carry on with fresh, unpaired creds. Creds go first, so a wipe cut short by a crash still
   * reads as "no session" on the next open.
   */
  wipe(): Promise<void> {
    return this.queue
      .run(async () => {
        if (this.closed) throw new SessionStoreError('io', 'session store is closed');
        await this.keyLog.close().catch((err: unknown) => {
          // The keys are being thrown away; a failed last write does not matter.
          logger().debug({ err: (err as Error).message }, 'key log close before wipe failed');
        });
        for (const file of [this.files.creds, this.files.keys, this.files.dataKey]) await fs.rm(file, { force: true });
        await fsyncDir(this.dir);
        this.cipher = this.options.keyWrapper
          ? await loadOrCreateDataKey(this.files.dataKey, this.options.keyWrapper)
          : undefined;
        this.creds = initAuthCreds();
        this.keyLog = await KeyLog.open(this.files.keys, { cipher: this.cipher, compactEveryBytes: this.options.compactEveryBytes });
        this.current = authState(this.creds, this.keyLog);
        logger().info('session wiped; fresh creds');
      })
      .catch((err: unknown) => {
        throw asStoreError(err);
      });
  }

  /** Make everything durable and close the files. Later saves reject. */
  close(): Promise<void> {
    return this.queue
      .run(async () => {
        if (this.closed) return;
        this.closed = true;
        await this.keyLog.close();
      })
      .catch((err: unknown) => {
        throw asStoreError(err);
      });
  }

  private async writeCredsNow(): Promise<void> {
    if (this.closed) throw new SessionStoreError('io', 'session store is closed');
    await this.keyLog.flush();
    this.bytesCreds += await writeCreds(this.files.creds, this.creds, this.cipher);
    this.credsWrites++;
  }
}

/**
 * The state handed to a socket. Its key store is bound to one key log: after a wipe, a socket
 * still holding the old state (one dying of the logout) gets "closed" errors instead of writing
 * the old account's keys into the fresh session.
 */
function authState(creds: AuthenticationCreds, keyLog: KeyLog): AuthenticationState {
  const keys: SignalKeyStore = {
    get: (type, ids) => keyLog.get(type, ids),
    // Not async (Baileys writes keys several times per message; each promise pays its async
    // hooks): a write is applied in memory at once (durable with the key log's next batch), and
    // one the store refuses is a rejection, as before.
    set: (data) =>
      rejectingThrows(() => {
        keyLog.set(data);
        return SETTLED;
      }),
  };
  return { creds, keys };
}

/** The data key, or undefined without a wrapper. A key the wrapper cannot open sets the session aside. */
async function unlockDataKey(files: SessionFiles, wrapper: KeyWrapper | undefined): Promise<ByteCipher | undefined> {
  if (!wrapper) {
    if (!(await exists(files.dataKey))) return undefined;
    // Sealed by an earlier run that had a keychain; without one it cannot be read.
    throw new SessionStoreError('locked-key', 'session is encrypted but no key wrapper was given', await setAside(files, true));
  }
  try {
    return await loadOrCreateDataKey(files.dataKey, wrapper);
  } catch (err) {
    if (!(err instanceof CipherError)) throw err;
    throw new SessionStoreError('locked-key', err.message, await setAside(files, true), { cause: err });
  }
}

async function loadCreds(files: SessionFiles, cipher: ByteCipher | undefined) {
  try {
    return await readCreds(files.creds, cipher);
  } catch (err) {
    if (!(err instanceof CredsDamage)) throw err;
    throw new SessionStoreError('corrupt', err.message, await setAside(files, false), { cause: err });
  }
}

async function openKeys(files: SessionFiles, cipher: ByteCipher | undefined, compactEveryBytes: number | undefined) {
  try {
    return await KeyLog.open(files.keys, { cipher, compactEveryBytes });
  } catch (err) {
    if (!(err instanceof KeyLogDamage)) throw err;
    // The key log is already aside; the creds are useless without their keys.
    const aside = [err.quarantinedTo, ...(await setAside(files, false))];
    throw new SessionStoreError('corrupt', err.message, aside, { cause: err });
  }
}

/** Move the session's files aside (renamed, not deleted). Returns where they went. */
async function setAside(files: SessionFiles, withDataKey: boolean): Promise<string[]> {
  const moved: string[] = [];
  for (const file of withDataKey ? [files.creds, files.keys, files.dataKey] : [files.creds, files.keys]) {
    try {
      moved.push(await quarantineFile(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  logger().warn({ files: moved.map((f) => path.basename(f)) }, 'saved session set aside; a new link is needed');
  return moved;
}

/** Paired, pre-keys published, yet none of them left: the key log lost more than a torn tail. */
function lostPublishedPreKeys(creds: AuthenticationCreds, keyLog: KeyLog): boolean {
  const published = (creds.firstUnuploadedPreKeyId ?? 1) - 1;
  if (!creds.me?.id || published < 1) return false;
  const ids = Array.from({ length: published }, (_, i) => String(i + 1));
  return Object.keys(keyLog.get('pre-key', ids)).length === 0;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function asStoreError(err: unknown): SessionStoreError {
  if (err instanceof SessionStoreError) return err;
  return new SessionStoreError('io', (err as Error)?.message ?? String(err), undefined, { cause: err });
}
