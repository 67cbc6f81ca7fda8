/**
 * The app's name, which Electron takes from package.json (productName, else name) and which names
 * the user data folder, the macOS keychain item and, on Linux, the window's WM_CLASS. The desktop
 * app and headless mode must land in one folder, so that one session lock keeps them off one
 * WhatsApp session; the packaged .desktop entry must name the WM_CLASS the window really gets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_NAME, dataPaths, defaultDataDir, defaultUserDataDir } from '../../main/core/app/paths.js';
import { userDataLayout } from '../../main/electron/paths.js';
import { app, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const root = path.resolve(import.meta.dirname, '../..');
const builderYml = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');

describe('app identity', () => {
  beforeEach(() => resetFakeElectron());

  it('is "Replyline", as headless mode names its folder', () => {
    expect(app.name).toBe('Replyline');
    expect(APP_NAME).toBe(app.name);
  });

  it.each<[NodeJS.Platform, NodeJS.ProcessEnv]>([
    ['linux', { XDG_CONFIG_HOME: app.getPath('appData') }],
    ['win32', { APPDATA: app.getPath('appData') }],
  ])('%s: the desktop app and headless mode share one data folder and session lock', (platform, env) => {
    const desktop = userDataLayout(app.getPath('userData'));
    expect(desktop.userData).toBe(defaultUserDataDir(env, platform));
    expect(desktop.dataDir).toBe(defaultDataDir(env, platform));
    expect(desktop.sessionDir).toBe(dataPaths(defaultDataDir(env, platform)).session);
  });

  it("Linux: the .desktop entry's StartupWMClass is the WM_CLASS Electron 45 gives the window", () => {
    // Electron 45 sets the XDG app id and WM_CLASS from the desktop name (package.json
    // desktopName, else one derived from app.name), without its `.desktop` suffix.
    const wmClass = app.desktopName.replace(/\.desktop$/, '');
    expect(wmClass).toBe('replyline');
    expect(builderYml).toMatch(new RegExp(`^\\s+StartupWMClass: ${wmClass}$`, 'm'));
    // …and electron-builder names the installed entry after desktopName, as Electron expects.
    expect(builderYml).toMatch(/^\s+syncDesktopName: true$/m);
  });
});
