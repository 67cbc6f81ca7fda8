/**
 * How the shell gets its core. The factory lives in main/core/app/create-core.ts (owned by the
 * core); until that file exists this module declares the expected signature and loads it at run
 * time, so the shell type-checks and builds on its own.
 *
 * Build layout: scripts/build-electron.ts bundles this file into dist/main/electron/main.js and
 * create-core.ts into dist/main/core/app/create-core.js (shared code, such as the logger, goes
 * into common chunks so both see one instance); the relative specifier below resolves between
 * them. Once create-core.ts exists, a static `import { createCoreService } from
 * '../core/app/create-core.js'` can replace this loader.
 */
import type { CoreService } from '../core/app/core-service.js';
import type { KeyWrapper } from '../core/storage/cipher.js';
import type { SettingsStore } from './settings-store.js';

export interface CreateCoreOptions {
  /** The core's data folder (the session goes into `dataDir/session`). */
  dataDir: string;
  keyWrapper?: KeyWrapper;
  settings: SettingsStore;
  logFile?: string;
}

export type CreateCoreService = (options: CreateCoreOptions) => Promise<CoreService>;

const CORE_MODULE = '../core/app/create-core.js';

export async function loadCoreFactory(specifier: string = CORE_MODULE): Promise<CreateCoreService> {
  let mod: { createCoreService?: unknown };
  try {
    mod = (await import(specifier)) as { createCoreService?: unknown };
  } catch (err) {
    throw new Error(`the Replyline core could not be loaded from ${specifier}`, { cause: err });
  }
  if (typeof mod.createCoreService !== 'function') {
    throw new Error(`${specifier} does not export createCoreService()`);
  }
  return mod.createCoreService as CreateCoreService;
}
