/**
 * The one window: created hidden, hardened, loaded from the app's own origin, and hidden (not
 * closed) when the person closes it, so the app keeps running in the tray — unless they turned
 * that off (settings.closeToTray), when closing quits. The first close into the tray keeps the
 * window open once for a notice: some desktops (stock GNOME) show no tray icons, and there the
 * way back is starting Replyline again.
 *
 * Hardening (Electron security checklist): context isolation, sandbox, no Node integration
 * anywhere, web security on, no webview, no insecure content; navigation and redirects away from
 * the app blocked; `window.open` denied; http(s) links (and only those) go to the system browser.
 */
import { BrowserWindow, shell, type NativeImage, type WebContents } from 'electron';
import type { NoticeView } from '../contract/api.js';
import { isAppUrl, RENDERER_ENTRY_URL } from './app-protocol.js';
import { getLogger } from '../core/logging/logger.js';

export interface MainWindowOptions {
  preloadFile: string;
  icon?: NativeImage;
  /** Allow devtools (development builds only). */
  devTools?: boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Replyline',
    icon: options.icon,
    autoHideMenuBar: true,
    webPreferences: {
      // Reviewed (electronegativity PRELOAD_JS_CHECK): the preload is the bundled typed bridge of
      // preload/preload.ts; it exposes two verbs, never ipcRenderer, Node or the raw event.
      preload: options.preloadFile, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick', // middle-click opens no windows
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools ?? false,
    },
  });
  hardenWebContents(win.webContents);
  void win.loadURL(RENDERER_ENTRY_URL).catch((err: unknown) => {
    getLogger('window').error({ err }, 'the window could not load');
  });
  return win;
}

/** Only plain web links may leave the app, and only to the system browser. */
export function isExternalHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The one place that hands a URL to the OS. */
export function openExternalHttp(url: string): void {
  if (!isExternalHttpUrl(url)) return;
  // Reviewed (electronegativity OPEN_EXTERNAL_JS_CHECK): only http(s) URLs reach this call.
  shell.openExternal(url).catch((err: unknown) => getLogger('window').warn({ err }, 'could not open a link')); // eng-disable OPEN_EXTERNAL_JS_CHECK
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openExternalHttp(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalHttp(url);
    return { action: 'deny' };
  });
}

export interface CloseBehaviour {
  /** The app is quitting: let the window close. */
  isQuitting(): boolean;
  /** settings.closeToTray: closing hides the window (true) or quits the app (false). */
  closeToTray(): boolean;
  quit(): void;
  /**
   * The first close into the tray: show the notice in the window and keep it open. Returns
   * false once the notice was shown (then the window hides).
   */
  firstCloseToTray(): boolean;
}

/** Closing the window hides it, and the app lives on in the tray until Quit; or it quits. */
export function handleWindowClose(win: BrowserWindow, behaviour: CloseBehaviour): void {
  win.on('close', (event) => {
    if (behaviour.isQuitting()) return;
    event.preventDefault();
    if (!behaviour.closeToTray()) {
      behaviour.quit();
      return;
    }
    if (behaviour.firstCloseToTray()) return;
    win.hide();
  });
}

/** What the window says the first time it is closed into the tray. */
export function closedToTrayNotice(platform: NodeJS.Platform = process.platform): NoticeView {
  const wayBack =
    platform === 'darwin'
      ? 'Open it again from its menu bar icon or the Dock.'
      : platform === 'win32'
        ? 'Open it again from its icon in the notification area (the ^ beside the clock).'
        : 'Open it again from its tray icon — or, on desktops that show no tray icons (stock GNOME, for one), by starting Replyline again.';
  return {
    kind: 'closed-to-tray',
    title: 'Replyline keeps running in the tray',
    body:
      `Closing this window does not quit Replyline: it goes on answering. ${wayBack} ` +
      'To quit whenever you close the window, turn off “Keep running in the tray when I close the window” in Settings.',
  };
}

export function showWindow(win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
