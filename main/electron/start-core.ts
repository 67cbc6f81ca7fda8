/**
 * The desktop app's core: logging into the rotated log file first (its first line names the
 * version that runs), then `createCoreService` with the version Electron reports
 * (`app.getVersion()`, read from package.json), the data folder, the keychain-backed key wrapper
 * and the electron-store settings.
 */
import { app } from 'electron';
import pino from 'pino';
import type { SonicBoom } from 'sonic-boom';
import { createCoreService, type Core, type CreateCoreOptions } from '../core/app/create-core.js';
import { openLogFile } from '../core/logging/log-file.js';
import { configureLogging, logStart } from '../core/logging/logger.js';
import { quietLibraryConsole } from '../core/logging/library-console.js';

/** Route every log line to `logsDir` (and to stderr in development). Returns the file stream. */
export async function setupLogging(logsDir: string): Promise<SonicBoom> {
  const file = await openLogFile(logsDir);
  configureLogging({
    sink: app.isPackaged ? file : pino.multistream([{ stream: file }, { stream: process.stderr }]),
  });
  quietLibraryConsole();
  logStart(app.getVersion(), { mode: 'desktop', packaged: app.isPackaged });
  return file;
}

export type DesktopCoreOptions = Pick<CreateCoreOptions, 'dataDir' | 'keyWrapper' | 'settings'>;

/** The core, as the window and tray see it. `overrides` are for tests (e.g. `autoStart: false`). */
export function startCore(options: DesktopCoreOptions, overrides: Partial<CreateCoreOptions> = {}): Promise<Core> {
  return createCoreService({ ...options, version: app.getVersion(), ...overrides });
}
