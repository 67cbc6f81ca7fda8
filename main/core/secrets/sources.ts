/**
 * Secrets from outside the window, for headless mode: environment variables
 * (`REPLYLINE_SECRET_<NAME>`) and a private JSON file (`--secrets-file`). Which of them, or the
 * encrypted store, wins for a name is decided in secrets.ts (`SECRET_PRECEDENCE`).
 *
 * A secrets file is refused unless only its owner can read it (as ssh does with a private key):
 * a secret that other users can read is no longer a secret, and starting anyway would hide that.
 */
import { promises as fs } from 'node:fs';
import * as z from 'zod';

export type ExternalSecretKind = 'environment' | 'file';

/** Secrets that come from outside the window (read-only there). */
export interface SecretSource {
  readonly kind: ExternalSecretKind;
  get(name: string): string | undefined;
  /** Names as this source spells them (environment: the part after the prefix). */
  names(): string[];
  /** Whether `name` (as a rule spells it) and `sourceName` (from `names()`) are the same secret. */
  sameName(name: string, sourceName: string): boolean;
}

export const ENV_PREFIX = 'REPLYLINE_SECRET_';

/** `openai-main` → `REPLYLINE_SECRET_OPENAI_MAIN`: upper case, anything but A–Z and 0–9 becomes `_`. */
export function envVarName(name: string): string {
  return ENV_PREFIX + name.trim().toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function envSecretSource(env: NodeJS.ProcessEnv = process.env): SecretSource {
  // Copied once: a later change to the environment does not change what the app uses.
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(ENV_PREFIX) && key.length > ENV_PREFIX.length && value) values.set(key, value);
  }
  return {
    kind: 'environment',
    get: (name) => values.get(envVarName(name)),
    names: () => [...values.keys()].map((k) => k.slice(ENV_PREFIX.length)).sort(),
    sameName: (name, sourceName) => envVarName(name) === ENV_PREFIX + sourceName,
  };
}

/** A plain reason why a secrets file was refused (the CLI prints it and exits). */
export class SecretsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsFileError';
  }
}

const MAX_FILE_BYTES = 1024 * 1024;
const fileSchema = z.record(z.string().trim().min(1).max(200), z.string().min(1).max(16_384));

/**
 * Read a secrets file: a JSON object of name → value, e.g. `{"openai": "sk-…"}`. Refused when it
 * is not a regular file, is readable or writable by group or others, or belongs to another user
 * (the last two on Unix-like systems; Windows has no such mode bits).
 */
export async function fileSecretSource(file: string, platform: NodeJS.Platform = process.platform): Promise<SecretSource> {
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(file);
  } catch {
    throw new SecretsFileError(`the secrets file ${file} cannot be read (does it exist?)`);
  }
  if (!st.isFile()) throw new SecretsFileError(`the secrets file ${file} is not a regular file`);
  if (platform !== 'win32') {
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
      throw new SecretsFileError(
        `the secrets file ${file} can be read or changed by other users (mode ${mode}); make it private with: chmod 600 ${file}`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new SecretsFileError(`the secrets file ${file} belongs to another user; it must belong to the user running Replyline`);
    }
  }
  if (st.size > MAX_FILE_BYTES) throw new SecretsFileError(`the secrets file ${file} is larger than 1 MB`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    throw new SecretsFileError(`the secrets file ${file} is not valid JSON (expected {"name": "value", …})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new SecretsFileError(`the secrets file ${file} must hold one JSON object of names to non-empty text values`);
  }
  const values = new Map(Object.entries(parsed.data).map(([k, v]) => [k.trim(), v]));
  return {
    kind: 'file',
    get: (name) => values.get(name.trim()),
    names: () => [...values.keys()].sort(),
    sameName: (name, sourceName) => name.trim() === sourceName,
  };
}
