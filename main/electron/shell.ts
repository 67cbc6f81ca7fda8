/**
 * The shell around a running core: window, IPC, tray, notifications, power events, start at
 * login and quitting, wired in that order. It only translates (tray clicks, OS events, IPC) into
 * core calls and core events into tray/window/notification updates; every decision is the core's.
 */
import { app, nativeImage, type BrowserWindow } from 'electron';
import type { CommandArgs, CommandName, CommandResults, Result } from '../contract/api.js';
import type { CoreService } from '../core/app/core-service.js';
import { getLogger } from '../core/logging/logger.js';
import { appIconPng } from './icons.js';
import { sendEvent, setupIpc } from './ipc.js';
import { setupQuit, type QuitControl } from './lifecycle.js';
import { applyStartAtLogin, type LoginItemOptions } from './login-item.js';
import { setupNotifications } from './notifications.js';
import { setupPower } from './power.js';
import type { SettingsStore } from './settings-store.js';
import type { ShellState } from './shell-state.js';
import { TrayService, type TrayServiceOptions } from './tray.js';
import { closedToTrayNotice, createMainWindow, handleWindowClose, showWindow } from './window.js';

export interface ShellOptions {
  core: CoreService;
  settings: SettingsStore;
  preloadFile: string;
  devTools?: boolean;
  /** Started at login: stay in the tray until asked. */
  startHidden?: boolean;
  platform?: NodeJS.Platform;
  createTray?: TrayServiceOptions['createTray'];
  loginItem?: LoginItemOptions;
  networkPollMs?: number;
  /** Whether the one-time close-to-tray notice was shown. */
  shellState: ShellState;
}

export interface Shell {
  window: BrowserWindow;
  tray: TrayService;
  quit: QuitControl;
  showWindow(): void;
  /** Undo the wiring (tests). */
  dispose(): void;
}

export function startShell(options: ShellOptions): Shell {
  const { core, settings } = options;
  const log = getLogger('shell');
  const disposers: Array<() => void> = [];
  // Filled in once the window exists; IPC and events may ask before that.
  const ref: { win?: BrowserWindow } = {};
  const getWindow = (): BrowserWindow | undefined => (ref.win && !ref.win.isDestroyed() ? ref.win : undefined);
  const openWindow = (): void => {
    const w = getWindow();
    if (w) showWindow(w);
  };

  // IPC first: the page may call as soon as it loads.
  disposers.push(setupIpc({ core, getWindow }));

  const run = async <C extends CommandName>(command: C, args: CommandArgs[C]): Promise<Result<CommandResults[C]> | undefined> => {
    try {
      const result = await core.handle(command, args);
      if (!result.ok) log.warn({ command, kind: result.error.kind }, 'a tray command was refused');
      return result;
    } catch (err) {
      log.error({ err, command }, 'a tray command failed');
      return undefined;
    }
  };

  let appliedStartAtLogin: boolean | undefined;
  const syncStartAtLogin = (enabled: boolean): void => {
    tray.setStartAtLogin(enabled);
    if (appliedStartAtLogin === enabled) return;
    appliedStartAtLogin = enabled;
    void applyStartAtLogin(enabled, { platform: options.platform, ...options.loginItem });
  };

  const tray = new TrayService({
    createTray: options.createTray,
    platform: options.platform,
    actions: {
      setAutoReply: (enabled) => void run('setAutoReply', { enabled }),
      pauseAutoReply: (until) => void run('pauseAutoReply', { until }),
      reconnectNow: () => core.reconnectNow('user'),
      setStartAtLogin: (enabled) =>
        void run('updateSettings', { startAtLogin: enabled }).then((r) => {
          if (r?.ok) syncStartAtLogin(r.value.startAtLogin);
        }),
      openWindow,
      quit: () => app.quit(),
    },
  });

  const quit = setupQuit({ core, onQuitting: () => tray.markQuitting(), platform: options.platform });

  const win = createMainWindow({
    preloadFile: options.preloadFile,
    devTools: options.devTools,
    icon: nativeImage.createFromBuffer(appIconPng(128)),
  });
  ref.win = win;
  const { shellState } = options;
  handleWindowClose(win, {
    isQuitting: quit.isQuitting,
    closeToTray: () => settings.getSettings().closeToTray,
    quit: () => app.quit(),
    firstCloseToTray: () => {
      if (shellState.closeToTrayNoticeShown()) return false;
      shellState.markCloseToTrayNoticeShown();
      sendEvent(win, 'notice', closedToTrayNotice(options.platform));
      return true;
    },
  });
  win.on('session-end', () => quit.endSession()); // Windows: log off / shut down
  if (!options.startHidden) win.once('ready-to-show', openWindow);
  app.on('activate', openWindow); // macOS: dock icon clicked

  const snapshot = core.snapshot();
  tray.setConnection(snapshot.state);
  tray.setAutoReply(snapshot.autoReply);
  syncStartAtLogin(settings.getSettings().startAtLogin);
  tray.render();
  disposers.push(
    core.on('state', ({ state }) => tray.setConnection(state)),
    core.on('auto-reply', (autoReply) => tray.setAutoReply(autoReply)),
    core.on('settings', (s) => syncStartAtLogin(s.startAtLogin)),
    setupNotifications({
      core,
      enabled: () => settings.getSettings().notifications,
      onClick: openWindow,
      onFailed: (text) => sendEvent(getWindow(), 'notice', { kind: 'notification', ...text }),
      platform: options.platform,
    }),
    setupPower({ core, pollMs: options.networkPollMs }),
  );

  return {
    window: win,
    tray,
    quit,
    showWindow: openWindow,
    dispose: () => {
      for (const d of disposers.splice(0)) d();
      app.off('activate', openWindow);
      tray.destroy();
    },
  };
}
