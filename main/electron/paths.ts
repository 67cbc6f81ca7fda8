/**
 * Where things live. Two roots:
 *
 *  - the app folder (`app.getAppPath()`: the repo in development, `resources/app.asar` when
 *    packaged) holds the built code: `dist/main`, `dist/preload/preload.cjs`, `dist/renderer`;
 *  - the user data folder (`app.getPath('userData')`) holds what is the person's:
 *
 *        settings.json        electron-store (settings, auto-reply switch, rules)
 *        shell-state.json     what the shell remembers (the close-to-tray notice was shown)
 *        data/                the core's durable files (outbox, reply log, history, …)
 *        data/session/        the encrypted WhatsApp session and its lock
 *        logs/replyline.N.log the redacting logger's files (rotated: 5 × 5 MB)
 *
 * Chromium keeps its own folders (Cache, Local Storage, …) beside these; nothing of ours mixes
 * with them. Pure functions: no Electron import, so tests and scripts can use them.
 */
import path from 'node:path';

export interface UserDataLayout {
  userData: string;
  /** Passed to the core as `dataDir`. */
  dataDir: string;
  /** The core keeps the session here (`dataDir/session`). */
  sessionDir: string;
  /** The rotated log files (`replyline.1.log`, …; see core/logging/log-file.ts). */
  logsDir: string;
  /** Folder of the electron-store file (`settings.json`). */
  settingsDir: string;
  settingsName: string;
}

export function userDataLayout(userData: string): UserDataLayout {
  const dataDir = path.join(userData, 'data');
  const logsDir = path.join(userData, 'logs');
  return {
    userData,
    dataDir,
    sessionDir: path.join(dataDir, 'session'),
    logsDir,
    settingsDir: userData,
    settingsName: 'settings',
  };
}

export interface BuiltLayout {
  preloadFile: string;
  rendererDir: string;
}

export function builtLayout(appPath: string): BuiltLayout {
  return {
    preloadFile: path.join(appPath, 'dist', 'preload', 'preload.cjs'),
    rendererDir: path.join(appPath, 'dist', 'renderer'),
  };
}
