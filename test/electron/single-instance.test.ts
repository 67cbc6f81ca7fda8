import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setupSingleInstance } from '../../main/electron/single-instance.js';
import { showWindow } from '../../main/electron/window.js';
import { app, FakeBrowserWindow, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

describe('single instance', () => {
  beforeEach(() => resetFakeElectron());

  it('a second launch quits at once when the lock is held elsewhere', () => {
    app.singleInstanceLock = false;
    const onSecond = vi.fn();
    expect(setupSingleInstance(onSecond)).toBe(false);
    expect(app.quit).toHaveBeenCalled();
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('the first instance brings its window forward when launched again', () => {
    const win = new FakeBrowserWindow({});
    win.minimized = true;
    expect(setupSingleInstance(() => showWindow(win as unknown as Electron.BrowserWindow))).toBe(true);
    expect(app.quit).not.toHaveBeenCalled();
    app.emit('second-instance', {}, ['replyline'], '/');
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });
});
