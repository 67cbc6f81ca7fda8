import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyStartAtLogin, desktopEntry, quoteExecArg, startedAtLogin } from '../../main/electron/login-item.js';
import { tempDir } from '../support/temp-dir.js';
import { app, resetFakeElectron, setFakePlatform } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

describe('start at login', () => {
  beforeEach(() => resetFakeElectron());

  it.each<NodeJS.Platform>(['win32', 'darwin'])('%s: uses the login item API, opening hidden, and skips no-ops', async (platform) => {
    setFakePlatform(platform);
    await applyStartAtLogin(true, { platform });
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
    await applyStartAtLogin(true, { platform });
    expect(app.setLoginItemSettings).toHaveBeenCalledTimes(1);
    await applyStartAtLogin(false, { platform });
    expect(app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, args: ['--hidden'] });
    expect(app.loginItems.size).toBe(0);
  });

  it('Windows: switching it off removes the Run entry that was written with --hidden', async () => {
    // Windows reports `openAtLogin` only for an entry with the args it is asked about; asked
    // without args, an entry written with --hidden reads as off, and the switch-off was skipped.
    setFakePlatform('win32');
    await applyStartAtLogin(true, { platform: 'win32' });
    expect([...app.loginItems.values()]).toEqual([{ path: process.execPath, args: ['--hidden'] }]);
    await applyStartAtLogin(false, { platform: 'win32' });
    expect(app.loginItems.size).toBe(0);
  });

  it('Linux: writes and removes an XDG autostart entry', async () => {
    const autostartDir = path.join(tempDir(), 'autostart');
    await applyStartAtLogin(true, { platform: 'linux', autostartDir });
    const file = path.join(autostartDir, 'replyline.desktop');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Replyline/);
    expect(text).toMatch(/^Exec=.* --hidden$/m);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
    await applyStartAtLogin(false, { platform: 'linux', autostartDir });
    expect(existsSync(file)).toBe(false);
    await applyStartAtLogin(false, { platform: 'linux', autostartDir }); // already gone: fine
  });

  it('quotes Exec arguments per the desktop entry spec', () => {
    expect(quoteExecArg('/opt/Replyline/replyline')).toBe('/opt/Replyline/replyline');
    expect(quoteExecArg('/home/a b/Replyline.AppImage')).toBe('"/home/a b/Replyline.AppImage"');
    expect(quoteExecArg('/x/$HOME"`\\')).toBe('"/x/\\$HOME\\"\\`\\\\"');
    expect(desktopEntry(['/usr/bin/electron', '/src/app'])).toContain('Exec=/usr/bin/electron /src/app --hidden');
  });

  it('knows a start at login by its flag', () => {
    expect(startedAtLogin(['electron', '.', '--hidden'])).toBe(true);
    expect(startedAtLogin(['electron', '.'])).toBe(false);
  });
});
