/**
 * The person's settings, the auto-reply switch and the rules, in `settings.json` in the user data
 * folder, through electron-store (atomic writes, a JSON schema checked on every write, version
 * migrations).
 *
 * What the core sees is the small `SettingsStore` interface below, so the core stays
 * Electron-free and tests can hand it a plain object. Reads come from an in-memory copy; every
 * value read from disk is validated against the contract's zod schema key by key, so one bad
 * value falls back to its default instead of losing the rest. A file that cannot be read at all
 * (malformed JSON, schema violation) is moved aside as `settings.json.corrupt-<time>` and a
 * fresh one is started.
 */
import { promises as fsp, renameSync } from 'node:fs';
import path from 'node:path';
import ElectronStore, { type Options, type Schema } from 'electron-store';
import * as z from 'zod';
import { autoReplySchema, commandSchemas, DEFAULT_SETTINGS, MAX_RULES, settingsSchema, type Settings } from '../contract/api.js';
import {
  readAutoReply,
  readRules,
  readSettings,
  type AutoReplyState,
  type SettingsStore,
} from '../core/app/settings-store.js';
import { getLogger } from '../core/logging/logger.js';

export type { SettingsStore, AutoReplyState } from '../core/app/settings-store.js';
export { readSettings, readAutoReply, readRules } from '../core/app/settings-store.js';

interface StoreShape {
  settings: Settings;
  autoReply: AutoReplyState;
  rules: unknown[];
}

/** A zod schema as JSON schema for electron-store (its own draft 2020-12; `io: 'input'` lets unknown keys pass). */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _draft, ...json } = z.toJSONSchema(schema, { io: 'input' });
  return json;
}

/**
 * The JSON schema electron-store checks on every write and on open, generated from the contract's
 * zod schemas so the bounds cannot drift. Loose where zod is strict on read: no setting is
 * required (a file from a version with fewer settings still opens; readSettings fills the gaps).
 */
const { required: _allSettings, ...settingsJsonSchema } = jsonSchemaOf(settingsSchema);
export const SETTINGS_JSON_SCHEMA = {
  settings: settingsJsonSchema,
  autoReply: jsonSchemaOf(autoReplySchema),
  rules: jsonSchemaOf(commandSchemas.setRules.shape.rules),
} as Schema<StoreShape>;

const DEFAULTS: StoreShape = { settings: { ...DEFAULT_SETTINGS }, autoReply: { enabled: false }, rules: [] };

/**
 * Layout migrations, keyed by the app version that introduced the layout (electron-store runs
 * each one once, in order, when the app is upgraded past it; validation is off while they run).
 * Add an entry when the layout changes; never edit a shipped one.
 */
export const SETTINGS_MIGRATIONS: NonNullable<Options<StoreShape>['migrations']> = {
  // Layout 1: { settings, autoReply, rules }. Whatever an earlier or half-written file holds is
  // normalised to it, so the schema check that follows the migrations passes.
  '0.1.0': (store) => {
    store.set('settings', readSettings(store.get('settings')));
    store.set('autoReply', readAutoReply(store.get('autoReply')));
    store.set('rules', readRules(store.get('rules')));
  },
};

export interface OpenSettingsOptions {
  /** Folder of the file (the user data folder). */
  cwd: string;
  /** File name without `.json` (default `settings`). */
  name?: string;
  now?: () => number;
}

function open(options: OpenSettingsOptions): ElectronStore<StoreShape> {
  return new ElectronStore<StoreShape>({
    cwd: options.cwd,
    name: options.name ?? 'settings',
    schema: SETTINGS_JSON_SCHEMA,
    defaults: DEFAULTS,
    migrations: SETTINGS_MIGRATIONS,
    clearInvalidConfig: false,
  });
}

export function openSettingsStore(options: OpenSettingsOptions): SettingsStore {
  const log = getLogger('settings');
  const file = path.join(options.cwd, `${options.name ?? 'settings'}.json`);
  let store: ElectronStore<StoreShape>;
  try {
    store = open(options);
  } catch (err) {
    const aside = `${file}.corrupt-${(options.now ?? Date.now)()}`;
    log.warn({ err }, 'the settings file could not be read; starting fresh and keeping the old file aside');
    try {
      renameSync(file, aside);
    } catch {
      // Nothing to move: the error was not the file's.
    }
    store = open(options);
  }

  const cache: StoreShape = {
    settings: readSettings(store.get('settings')),
    autoReply: readAutoReply(store.get('autoReply')),
    rules: readRules(store.get('rules')),
  };

  return {
    file,
    getSettings: () => ({ ...cache.settings }),
    updateSettings(patch) {
      const next = settingsSchema.parse({ ...cache.settings, ...patch });
      store.set('settings', next);
      cache.settings = next;
      return { ...next };
    },
    getAutoReply: () => ({ ...cache.autoReply }),
    setAutoReply(value) {
      const next = autoReplySchema.parse(value);
      store.set('autoReply', next);
      cache.autoReply = next;
      return { ...next };
    },
    getRules: () => structuredClone(cache.rules),
    setRules(rules) {
      if (!Array.isArray(rules) || rules.length > MAX_RULES) throw new Error(`at most ${MAX_RULES} rules`);
      const copy = structuredClone(rules);
      store.set('rules', copy);
      cache.rules = copy;
    },
  };
}

/** Remove the settings file (tests, "reset everything"). */
export async function removeSettingsFile(options: OpenSettingsOptions): Promise<void> {
  await fsp.rm(path.join(options.cwd, `${options.name ?? 'settings'}.json`), { force: true });
}
