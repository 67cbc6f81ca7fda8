/**
 * API keys and webhook secrets the person entered in the window. One small file, `secrets.sealed`,
 * sealed as a whole with the data key of the personal stores (AES-256-GCM; the data key itself is
 * wrapped by the key wrapper — the OS keychain through Electron safeStorage in the app, the same
 * wrapping as the session's). Written atomically on every change; read once at start.
 *
 * Without a cipher (headless mode without a key) nothing can be kept safely, so the store refuses
 * to keep anything instead of writing a secret in plain text. Values never leave through
 * `names()`, errors or logs: only `get()` returns one, for a responder's request.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ByteCipher } from '../storage/cipher.js';
import { quarantineFile, writeFileAtomic } from '../storage/atomic-file.js';
import { getLogger } from '../logging/logger.js';

export const SECRETS_FILE = 'secrets.sealed';

const fileSchema = z.object({
  version: z.literal(1),
  secrets: z.record(z.string(), z.object({ value: z.string().min(1), setAt: z.number() })),
});
type FileShape = z.infer<typeof fileSchema>;

/** Why a secret cannot be kept: the store has no key to seal it with. */
export class SecretStoreUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretStoreUnavailable';
  }
}

export class SecretStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly cipher: ByteCipher | undefined,
    private readonly secrets: Map<string, { value: string; setAt: number }>,
    private readonly now: () => number,
  ) {}

  /**
   * Open the store in `dir`. A file that cannot be opened (damaged, or sealed with a data key that
   * was replaced) is set aside, and the store starts empty: the window then shows "not set".
   */
  static async open(dir: string, cipher: ByteCipher | undefined, now: () => number = Date.now): Promise<SecretStore> {
    const file = path.join(dir, SECRETS_FILE);
    const secrets = new Map<string, { value: string; setAt: number }>();
    if (cipher) {
      let sealed: Buffer | undefined;
      try {
        sealed = await fs.readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (sealed) {
        const parsed = readSealed(sealed, cipher);
        if (parsed) for (const [name, entry] of Object.entries(parsed.secrets)) secrets.set(name, entry);
        else {
          await quarantineFile(file);
          getLogger('secrets').warn('the secrets file could not be opened; set aside, starting with no secrets');
        }
      }
    }
    return new SecretStore(file, cipher, secrets, now);
  }

  /** Whether secrets can be kept here (there is a key to seal them with). */
  get available(): boolean {
    return this.cipher !== undefined;
  }

  names(): string[] {
    return [...this.secrets.keys()].sort((a, b) => a.localeCompare(b));
  }

  has(name: string): boolean {
    return this.secrets.has(name);
  }

  /** The value, for a responder's request only. */
  get(name: string): string | undefined {
    return this.secrets.get(name)?.value;
  }

  /** Keep `value` under `name` (replacing any earlier one); resolves once it is on disk. */
  async set(name: string, value: string): Promise<void> {
    if (!this.cipher) throw new SecretStoreUnavailable('There is no key to encrypt secrets with.');
    if (!value) throw new RangeError('a secret cannot be empty');
    this.secrets.set(name, { value, setAt: this.now() });
    await this.persist();
  }

  /** Forget `name`; false when it was not set. Resolves once the file no longer holds it. */
  async remove(name: string): Promise<boolean> {
    if (!this.secrets.delete(name)) return false;
    await this.persist();
    return true;
  }

  /** Wait for every change so far to be on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private persist(): Promise<void> {
    const cipher = this.cipher!;
    const shape: FileShape = { version: 1, secrets: Object.fromEntries(this.secrets) };
    const sealed = cipher.seal(Buffer.from(JSON.stringify(shape), 'utf8'));
    const run = this.writing.then(() => writeFileAtomic(this.file, sealed));
    this.writing = run.catch(() => undefined);
    return run;
  }
}

function readSealed(sealed: Buffer, cipher: ByteCipher): FileShape | undefined {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(cipher.open(sealed).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
