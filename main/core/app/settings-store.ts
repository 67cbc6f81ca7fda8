/**
 * Where the core reads and persists the person's settings, the auto-reply switch and the rules.
 * The desktop app backs it with electron-store; headless mode and tests with `JsonSettingsStore`,
 * one JSON file written atomically. Both validate what they read, value by value, so one bad
 * value falls back to its default instead of losing the rest.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { autoReplySchema, DEFAULT_SETTINGS, MAX_RULES, settingsSchema, type Settings, type Snapshot } from '../../contract/api.js';
import { writeFileAtomic, quarantineFileSync } from '../storage/atomic-file.js';
import { getLogger } from '../logging/logger.js';

export type AutoReplyState = Snapshot['autoReply'];

export interface SettingsStore {
  /** Where the settings file is, when it is a file (a damaged one is set aside next to it). */
  readonly file?: string;
  getSettings(): Settings;
  /** Merge `patch`, validate, persist; returns the stored settings. Throws when invalid. */
  updateSettings(patch: Partial<Settings>): Settings;
  getAutoReply(): AutoReplyState;
  setAutoReply(value: AutoReplyState): AutoReplyState;
  /** Rules as stored; the auto-reply engine validates them with its own schema. */
  getRules(): unknown[];
  setRules(rules: unknown[]): void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Settings from untrusted JSON: each valid key kept, each missing or invalid key defaulted. */
export function readSettings(raw: unknown): Settings {
  const obj = isRecord(raw) ? raw : {};
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, schema] of Object.entries(settingsSchema.shape)) {
    const r = (schema as z.ZodType).safeParse(obj[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Settings;
}

/** The auto-reply switch from untrusted JSON (off when unreadable). */
export function readAutoReply(raw: unknown): AutoReplyState {
  const r = autoReplySchema.safeParse(raw);
  if (r.success) return r.data.pausedUntil === undefined ? { enabled: r.data.enabled } : r.data;
  return isRecord(raw) && typeof raw.enabled === 'boolean' ? { enabled: raw.enabled } : { enabled: false };
}

/** Stored rules from untrusted JSON (the engine validates each one). */
export function readRules(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw.slice(0, MAX_RULES) : [];
}

interface FileShape {
  version: 1;
  settings: Settings;
  autoReply: AutoReplyState;
  rules: unknown[];
}

/** Settings in one JSON file (headless mode, tests). Writes are atomic and serialized. */
export class JsonSettingsStore implements SettingsStore {
  private data: FileShape;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {
    this.data = this.load();
  }

  private load(): FileShape {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Set aside before anything can write a fresh file over it; the window then says where.
        getLogger('settings').warn({ err }, 'settings file unreadable; set aside, starting from defaults with auto-reply off');
        try {
          quarantineFileSync(this.file);
        } catch (moveErr) {
          getLogger('settings').error({ err: moveErr }, 'the damaged settings file could not be set aside');
        }
      }
      raw = {};
    }
    const obj = (isRecord(raw) ? raw : {}) as Partial<Record<keyof FileShape, unknown>>;
    return {
      version: 1,
      settings: readSettings(obj.settings),
      autoReply: readAutoReply(obj.autoReply),
      rules: readRules(obj.rules),
    };
  }

  private persist(): void {
    const text = JSON.stringify(this.data, null, 2);
    this.writing = this.writing
      .then(() => writeFileAtomic(this.file, text))
      .catch((err: unknown) => getLogger('settings').error({ err }, 'saving settings failed'));
  }

  /** Wait until every change so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  getSettings(): Settings {
    return { ...this.data.settings };
  }

  updateSettings(patch: Partial<Settings>): Settings {
    this.data.settings = settingsSchema.parse({ ...this.data.settings, ...patch });
    this.persist();
    return this.getSettings();
  }

  getAutoReply(): AutoReplyState {
    return { ...this.data.autoReply };
  }

  setAutoReply(value: AutoReplyState): AutoReplyState {
    this.data.autoReply = autoReplySchema.parse(value);
    this.persist();
    return this.getAutoReply();
  }

  getRules(): unknown[] {
    return structuredClone(this.data.rules);
  }

  setRules(rules: unknown[]): void {
    if (!Array.isArray(rules) || rules.length > MAX_RULES) throw new Error(`at most ${MAX_RULES} rules`);
    this.data.rules = structuredClone(rules);
    this.persist();
  }
}
