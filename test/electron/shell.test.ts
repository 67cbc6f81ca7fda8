import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL } from '../../main/contract/api.js';
import type { SettingsStore } from '../../main/electron/settings-store.js';
import { CLOSE_TIMEOUT_MS } from '../../main/electron/lifecycle.js';
import type { ShellState } from '../../main/electron/shell-state.js';
import { startShell } from '../../main/electron/shell.js';
import { HOUR_MS } from '../../main/electron/tray.js';
import { FakeCore } from './support/fake-core.js';
import {
  app,
  FakeBrowserWindow,
  FakeNotification,
  FakeTray,
  ipcMain,
  powerMonitor,
  resetFakeElectron,
  setFakePlatform,
} from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

function memorySettings(): SettingsStore {
  let settings = { ...DEFAULT_SETTINGS };
  let autoReply = { enabled: false } as { enabled: boolean; pausedUntil?: number };
  let rules: unknown[] = [];
  return {
    getSettings: () => ({ ...settings }),
    updateSettings: (patch) => (settings = { ...settings, ...patch }),
    getAutoReply: () => autoReply,
    setAutoReply: (v) => (autoReply = v),
    getRules: () => rules,
    setRules: (r) => void (rules = r),
  };
}

function start(options: { startHidden?: boolean; platform?: NodeJS.Platform; settings?: SettingsStore; shellState?: ShellState } = {}) {
  const platform = options.platform ?? 'win32';
  setFakePlatform(platform);
  const core = new FakeCore();
  const shell = startShell({
    core,
    settings: options.settings ?? memorySettings(),
    shellState: options.shellState ?? memoryShellState(true),
    preloadFile: '/app/dist/preload/preload.cjs',
    platform,
    startHidden: options.startHidden,
    networkPollMs: 1000,
  });
  const win = FakeBrowserWindow.instances[0]!;
  const tray = FakeTray.instances[0]!;
  return { core, shell, win, tray };
}

function memoryShellState(shown = false): ShellState {
  return {
    closeToTrayNoticeShown: () => shown,
    markCloseToTrayNoticeShown: () => void (shown = true),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('shell', () => {
  beforeEach(() => resetFakeElectron());

  it('opens one hardened window, the IPC handlers and the tray', () => {
    const { shell, win, tray } = start();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(ipcMain.handlers.has(IPC_COMMAND_PREFIX + 'getSnapshot')).toBe(true);
    expect(tray.tooltip).toMatch(/^Replyline — Not started/);
    shell.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('shows the window when ready, unless started at login', () => {
    const { win } = start();
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
    resetFakeElectron();
    const hidden = start({ startHidden: true });
    hidden.win.emit('ready-to-show');
    expect(hidden.win.show).not.toHaveBeenCalled();
  });

  describe('tray menu items call the core', () => {
    it('Auto-reply toggles through setAutoReply, and the tray follows the core', async () => {
      const { core, tray } = start();
      tray.menu!.click('auto-reply');
      await flush();
      expect(core.handle).toHaveBeenCalledWith('setAutoReply', { enabled: true });
      expect(tray.menu!.getMenuItemById('auto-reply')!.checked).toBe(true);
      tray.menu!.click('auto-reply');
      await flush();
      expect(core.handle).toHaveBeenLastCalledWith('setAutoReply', { enabled: false });
    });

    it('Reconnect now calls reconnectNow("user")', () => {
      const { core, tray } = start();
      tray.menu!.click('reconnect');
      expect(core.reconnectNow).toHaveBeenCalledWith('user');
    });

    it('Pause for 1 hour / until tomorrow call pauseAutoReply', async () => {
      vi.useFakeTimers({ now: new Date(2025, 0, 15, 9, 0), toFake: ['Date'] });
      try {
        const { core, tray } = start();
        core.snap.autoReply = { enabled: true };
        core.emit('auto-reply', { enabled: true });
        tray.menu!.click('pause-hour');
        expect(core.handle).toHaveBeenCalledWith('pauseAutoReply', { until: Date.now() + HOUR_MS });
        await flush();
        tray.menu!.click('auto-reply'); // lift the pause
        await flush();
        expect(core.handle).toHaveBeenLastCalledWith('pauseAutoReply', { until: null });
        tray.menu!.click('pause-tomorrow');
        expect(core.handle).toHaveBeenLastCalledWith('pauseAutoReply', { until: new Date(2025, 0, 16).getTime() });
      } finally {
        vi.useRealTimers();
      }
    });

    it('Start at login saves the setting and registers the login item', async () => {
      const { core, tray } = start();
      tray.menu!.click('start-at-login');
      await flush();
      expect(core.handle).toHaveBeenCalledWith('updateSettings', { startAtLogin: true });
      expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
      expect(tray.menu!.getMenuItemById('start-at-login')!.checked).toBe(true);
      tray.menu!.click('start-at-login');
      await flush();
      expect(app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, args: ['--hidden'] });
    });

    it('a settings change from the window also updates the login item and the tray', async () => {
      const { core, tray } = start();
      core.emit('settings', { ...DEFAULT_SETTINGS, startAtLogin: true });
      await flush();
      expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
      expect(tray.menu!.getMenuItemById('start-at-login')!.checked).toBe(true);
    });

    it('Open shows the window; Quit quits', () => {
      const { win, tray } = start();
      tray.menu!.click('open');
      expect(win.show).toHaveBeenCalled();
      expect(win.focus).toHaveBeenCalled();
      tray.menu!.click('quit');
      expect(app.quit).toHaveBeenCalled();
    });
  });

  it('follows connection state in the tray and notifies on 440', () => {
    const { core, tray } = start();
    core.setState({ kind: 'conflict' });
    expect(tray.tooltip).toContain('open elsewhere');
    expect(FakeNotification.instances).toHaveLength(1);
    FakeNotification.instances[0]!.clickByPerson();
    expect(FakeBrowserWindow.instances[0]!.show).toHaveBeenCalled();
  });

  it('a notification the system refuses shows in the window instead', async () => {
    FakeNotification.failure = 'not allowed';
    const { core, win } = start();
    core.setState({ kind: 'conflict' });
    await vi.waitFor(() =>
      expect(win.webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, {
        event: 'notice',
        payload: { kind: 'notification', title: 'WhatsApp is open elsewhere', body: expect.any(String) as string },
      }),
    );
  });

  it('system resume calls reconnectNow("resume")', () => {
    const { core } = start();
    powerMonitor.emit('resume');
    expect(core.reconnectNow).toHaveBeenCalledWith('resume');
  });

  it('closing the window hides it; quitting closes the core first, then quits', async () => {
    const { core, win, tray } = start();
    expect(win.close()).toBe(false);
    expect(win.hide).toHaveBeenCalled();

    const closing = holdClose(core);
    app.quit(); // Quit in the tray menu
    app.quit(); // a second Quit does not close twice
    expect(core.close).toHaveBeenCalledTimes(1);
    await flush();
    expect(app.exited).toBeUndefined(); // held back while the core closes
    expect(win.isDestroyed()).toBe(false);
    core.setState({ kind: 'stopped' });
    expect(tray.setContextMenu).toHaveBeenCalledTimes(1); // the tray stopped rendering
    closing.release();
    await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
    expect(win.isDestroyed()).toBe(true);
    expect(core.close).toHaveBeenCalledTimes(1);
  });

  describe('closing the window', () => {
    const noticeSent = (win: FakeBrowserWindow) =>
      win.webContents.send.mock.calls.filter(([, m]) => (m as { event: string }).event === 'notice').map(([, m]) => (m as { payload: unknown }).payload);

    it('the first time, keeps the window open with the close-to-tray notice; after that, hides it', () => {
      const shellState = memoryShellState();
      const { win } = start({ platform: 'linux', shellState });
      win.visible = true;
      expect(win.close()).toBe(false);
      expect(win.hide).not.toHaveBeenCalled();
      expect(noticeSent(win)).toEqual([
        {
          kind: 'closed-to-tray',
          title: 'Replyline keeps running in the tray',
          body: expect.stringContaining('by starting Replyline again') as string,
        },
      ]);
      expect(shellState.closeToTrayNoticeShown()).toBe(true);
      expect(win.close()).toBe(false); // "Hide the window" in the notice, or closing again
      expect(win.hide).toHaveBeenCalledTimes(1);
      expect(noticeSent(win)).toHaveLength(1);
    });

    it('shows the notice once across runs', () => {
      const shellState = memoryShellState();
      start({ shellState }).win.close();
      resetFakeElectron();
      const { win } = start({ shellState });
      expect(win.close()).toBe(false);
      expect(win.hide).toHaveBeenCalledTimes(1);
      expect(noticeSent(win)).toEqual([]);
    });

    it('with close-to-tray off, closing the window quits once the core has closed', async () => {
      const settings = memorySettings();
      settings.updateSettings({ closeToTray: false });
      const { core, win } = start({ settings, shellState: memoryShellState() });
      expect(win.close()).toBe(false);
      expect(noticeSent(win)).toEqual([]);
      expect(core.close).toHaveBeenCalledTimes(1);
      await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
      expect(win.isDestroyed()).toBe(true);
    });
  });

  describe('the OS ends the session', () => {
    it('Windows log-off: the core is flushed though no quit events come, and the process is not ended first', async () => {
      const { core } = start({ platform: 'win32' });
      const closing = holdClose(core);
      app.endWindowsSession(['logoff']);
      expect(core.close).toHaveBeenCalledTimes(1);
      // Electron 45 ends the process when the session-end handlers return, unless a quit began.
      expect(app.exited).toBeUndefined();
      await flush();
      expect(app.exited).toBeUndefined(); // held until the core has closed
      closing.release();
      await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
      expect(core.close).toHaveBeenCalledTimes(1);
    });

    it('Linux shutdown: logind is asked to wait, the core is flushed, then the app exits', async () => {
      const { core } = start({ platform: 'linux' });
      const closing = holdClose(core);
      expect(powerMonitor.shutdown()).toBe(true);
      expect(core.close).toHaveBeenCalledTimes(1);
      await flush();
      expect(app.exited).toBeUndefined();
      closing.release();
      await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
    });

    it('macOS shutdown: the quit holds for the flush without holding the system', async () => {
      const { core } = start({ platform: 'darwin' });
      const closing = holdClose(core);
      expect(powerMonitor.shutdown()).toBe(false);
      expect(core.close).toHaveBeenCalledTimes(1);
      closing.release();
      await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
    });

    it('a core that does not close in time does not keep the app from quitting', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const { core } = start({ platform: 'win32' });
        holdClose(core); // never released
        app.endWindowsSession(['shutdown']);
        await vi.advanceTimersByTimeAsync(CLOSE_TIMEOUT_MS);
      } finally {
        vi.useRealTimers();
      }
      await vi.waitFor(() => expect(app.exited).toEqual({ how: 'quit', code: 0 }));
    });
  });
});

/** Make core.close() wait until `release()`. */
function holdClose(core: FakeCore): { release(): void } {
  let release!: () => void;
  core.close.mockImplementation(() => new Promise<undefined>((r) => (release = () => r(undefined))));
  return { release: () => release() };
}
