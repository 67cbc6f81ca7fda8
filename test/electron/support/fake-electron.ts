/**
 * A fake `electron` module for main-process and preload specs (they run in plain Node). Each spec
 * file installs it with one line:
 *
 *     vi.mock('electron', () => import('./support/fake-electron.js'));
 *
 * and calls `resetFakeElectron()` in `beforeEach`. The fakes record what the code under test did
 * (window options, handlers, menus, notifications) and let a spec play the OS or the renderer
 * (emit `resume`, invoke an IPC channel from some frame, click a menu item).
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

// ---- the OS the fake plays --------------------------------------------------------------------

/**
 * Which OS the fake behaves as, where real Electron differs by platform (login items, tray
 * clicks, notification activation, quitting). Code under test gets its platform passed in; a spec
 * that passes `platform: 'win32'` also calls `setFakePlatform('win32')`.
 */
export const fakeSystem = { platform: process.platform as NodeJS.Platform };

// ---- web contents, frames, windows ------------------------------------------------------------

export class FakeFrame {
  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
}

type OpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  destroyed = false;
  readonly mainFrame = new FakeFrame('about:blank');
  windowOpenHandler: OpenHandler | undefined;
  readonly send = vi.fn();
  readonly setWindowOpenHandler = vi.fn((handler: OpenHandler) => {
    this.windowOpenHandler = handler;
  });
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Fire a cancelable Electron-style event; returns whether a listener prevented it. */
  fire(name: string, url: string): boolean {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    this.emit(name, event, url);
    return prevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  destroyed = false;
  readonly loadURL = vi.fn(async (url: string) => {
    this.webContents.mainFrame.url = url;
  });
  readonly show = vi.fn(() => {
    this.visible = true;
  });
  readonly hide = vi.fn(() => {
    this.visible = false;
  });
  readonly focus = vi.fn();
  readonly restore = vi.fn(() => {
    this.minimized = false;
  });

  constructor(public readonly options: Electron.BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The person clicks the close button. Returns whether the window is gone. */
  close(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return false;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
    return true;
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  }
}

// ---- app ------------------------------------------------------------------------------------

const ROOT = path.resolve(import.meta.dirname, '../../..');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name?: string;
  productName?: string;
  desktopName?: string;
};

/** Electron 45's default Linux desktop name for an app name (lib/browser/desktop-name.ts). */
export function defaultDesktopName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug ? `${slug}.desktop` : `${path.basename(process.execPath)}.desktop`;
}

/** Where the fake keeps the per-user folders (never the real home). */
const FAKE_APP_DATA = path.join(os.tmpdir(), 'replyline-fake-home', '.config');

class FakeApp extends EventEmitter {
  singleInstanceLock = true;
  isPackaged = false;
  /**
   * As Electron sets it at start (lib/browser/init.ts): package.json's `productName`, else its
   * `name`. The default user data folder is `<appData>/<app.name>`.
   */
  name = `${packageJson.productName ?? packageJson.name ?? 'Electron'}`.trim();
  /** Linux: `desktopName` from package.json, else one derived from `app.name`; WM_CLASS follows it. */
  desktopName = packageJson.desktopName ?? defaultDesktopName(this.name);
  readonly paths = new Map<string, string>();
  appPath = '/fake/app';
  /** Login items as the OS keeps them: Windows Run entries by value name, or macOS's one item. */
  loginItems = new Map<string, { path: string; args: string[] }>();
  /** Electron's Browser::is_quitting: a quit passed before-quit and is closing the windows. */
  quitting = false;
  /** How the process ended, once it has. */
  exited: { how: 'quit' | 'exit' | 'terminated'; code: number } | undefined;
  readonly requestSingleInstanceLock = vi.fn(() => this.singleInstanceLock);
  /**
   * As Electron's Browser::Quit: `before-quit` (cancelable); then, after this call returns, every
   * window gets a cancelable `close`; then `will-quit` (cancelable), `quit`, and the process ends.
   * Anything cancelled ends this attempt; a later `app.quit()` starts over.
   */
  readonly quit = vi.fn(() => {
    if (this.quitting || this.exited) return;
    this.quitting = !this.fireCancelable('before-quit');
    if (this.quitting) setImmediate(() => this.closeWindowsAndShutDown());
  });
  readonly exit = vi.fn((code = 0) => {
    this.exited ??= { how: 'exit', code };
  });
  readonly whenReady = vi.fn(async () => undefined);
  readonly enableSandbox = vi.fn();
  readonly setAppUserModelId = vi.fn();
  readonly getVersion = vi.fn(() => '0.1.0');
  readonly getName = vi.fn(() => this.name);
  readonly getAppPath = vi.fn(() => this.appPath);
  readonly getPath = vi.fn((name: string): string => {
    const set = this.paths.get(name);
    if (set) return set;
    if (name === 'appData') return FAKE_APP_DATA;
    if (name === 'userData') return path.join(FAKE_APP_DATA, this.name);
    return path.join(FAKE_APP_DATA, '..', name);
  });
  readonly setPath = vi.fn((name: string, value: string) => {
    this.paths.set(name, value);
  });
  readonly setLoginItemSettings = vi.fn((settings: Electron.Settings) => {
    const name = fakeSystem.platform === 'win32' ? (settings.name ?? 'app.replyline.desktop') : 'login-item';
    if (settings.openAtLogin) this.loginItems.set(name, { path: settings.path ?? process.execPath, args: settings.args ?? [] });
    else this.loginItems.delete(name);
  });
  /**
   * As Electron 45 answers: on Windows `openAtLogin` is true only for a Run entry with the same
   * executable *and the same args* as asked about (both default to process.execPath and []), while
   * `executableWillLaunchAtLogin` ignores the args. macOS has one login item and no args.
   */
  readonly getLoginItemSettings = vi.fn((options: Electron.LoginItemSettingsOptions = {}) => {
    const items = [...this.loginItems.values()];
    if (fakeSystem.platform !== 'win32') return { openAtLogin: items.length > 0, wasOpenedAtLogin: false };
    const exe = options.path ?? process.execPath;
    const args = options.args ?? [];
    const same = (a: readonly string[]) => a.length === args.length && a.every((x, i) => x === args[i]);
    return {
      openAtLogin: items.some((i) => i.path === exe && same(i.args)),
      executableWillLaunchAtLogin: items.some((i) => i.path === exe),
      wasOpenedAtLogin: false,
    };
  });

  private fireCancelable(name: string): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) });
    return prevented;
  }

  private closeWindowsAndShutDown(): void {
    if (this.exited) return;
    for (const w of FakeBrowserWindow.getAllWindows()) {
      if (!w.close()) {
        this.quitting = false; // a window that stays open cancels the quit
        return;
      }
    }
    if (this.fireCancelable('will-quit')) {
      this.quitting = false;
      return;
    }
    this.emit('quit', {}, 0);
    this.exited = { how: 'quit', code: 0 };
  }

  /**
   * Windows ends the session (log off, shut down, restart): WM_ENDSESSION. Every window hears
   * `session-end`; `before-quit`, `will-quit` and `quit` are not emitted. Electron 45 then ends
   * the process at once, unless a session-end handler began a quit of its own
   * (native_window_views_win.cc).
   */
  endWindowsSession(reasons: Electron.WindowSessionEndEvent['reasons'] = ['logoff']): void {
    for (const w of FakeBrowserWindow.getAllWindows()) w.emit('session-end', { reasons, preventDefault: () => undefined });
    if (!this.quitting) this.exited ??= { how: 'terminated', code: 0 };
  }
}

// ---- tray, menu, images, notifications --------------------------------------------------------

export class FakeNativeImage {
  readonly representations: Array<{ scaleFactor: number; buffer?: Buffer }> = [];
  constructor(
    readonly buffer: Buffer,
    readonly options?: { scaleFactor?: number },
  ) {}
  readonly addRepresentation = vi.fn((r: { scaleFactor: number; buffer?: Buffer }) => {
    this.representations.push(r);
  });
  isEmpty(): boolean {
    return this.buffer.length === 0;
  }
}

export class FakeMenu {
  constructor(readonly items: Electron.MenuItemConstructorOptions[]) {}
  getMenuItemById(id: string): Electron.MenuItemConstructorOptions | undefined {
    return this.items.find((i) => i.id === id);
  }
  /** Click an item the way Electron does (checkboxes flip first). */
  click(id: string): void {
    const item = this.getMenuItemById(id);
    if (!item) throw new Error(`no menu item ${id}`);
    if (item.enabled === false) throw new Error(`menu item ${id} is disabled`);
    const clicked = { ...item, checked: item.type === 'checkbox' ? !item.checked : item.checked };
    item.click?.(clicked as unknown as Electron.MenuItem, undefined, {} as Electron.KeyboardEvent);
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: FakeNativeImage;
  tooltip = '';
  menu: FakeMenu | undefined;
  /** How often the OS popped the context menu up. */
  menuShown = 0;
  destroyed = false;
  readonly setImage = vi.fn((image: FakeNativeImage) => {
    this.image = image;
  });
  readonly setToolTip = vi.fn((text: string) => {
    this.tooltip = text;
  });
  readonly setContextMenu = vi.fn((menu: FakeMenu | null) => {
    this.menu = menu ?? undefined;
  });
  readonly destroy = vi.fn(() => {
    this.destroyed = true;
  });
  constructor(image: FakeNativeImage) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  /**
   * The person left-clicks the icon, as Electron 45 reports it per OS: on macOS, when a menu with
   * items is set, `click` fires and then the menu opens (tray_icon_cocoa.mm's mouseDown); on
   * Windows a left click is only `click` (the menu is the right button's); on Linux `click` is the
   * StatusNotifierItem's activation.
   */
  clickIcon(): void {
    this.emit('click', {}, { x: 0, y: 0, width: 16, height: 16 }, { x: 4, y: 4 });
    if (fakeSystem.platform === 'darwin' && this.menu && this.menu.items.length > 0) this.menuShown++;
  }
  /** The person right-clicks the icon: the menu opens. */
  rightClickIcon(): void {
    if (fakeSystem.platform !== 'linux') this.emit('right-click', {}, { x: 0, y: 0, width: 16, height: 16 });
    if (this.menu && this.menu.items.length > 0) this.menuShown++;
  }
}

type ActivationHandler = (details: Electron.ActivationArguments) => void;

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static supported = true;
  /**
   * What `show()` fails with, if anything: Electron ≥ 42 on macOS shows notifications through
   * UNNotification, which refuses an app that is not code-signed and emits `failed` instead.
   */
  static failure: string | undefined;
  /** Windows only (Electron 45 defines it on win32 alone); `setFakePlatform` puts it in place. */
  static handleActivation: ((callback: ActivationHandler) => void) | undefined =
    process.platform === 'win32' ? handleActivation : undefined;
  static activationHandler: ActivationHandler | undefined;
  /** An activation that came before any handler (a click that launched the app). */
  static pendingActivation: Electron.ActivationArguments | undefined;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  /** Windows delivers a toast activation: to the registered handler, or keeps it for the first one. */
  static activate(details: Electron.ActivationArguments): void {
    if (FakeNotification.activationHandler) FakeNotification.activationHandler(details);
    else FakeNotification.pendingActivation = details;
  }
  /** Garbage-collected: the app held no reference, so instance events reach nobody any more. */
  collected = false;
  readonly show = vi.fn(() => {
    const failure = FakeNotification.failure;
    // The OS answers after show() returns.
    if (failure !== undefined) queueMicrotask(() => this.emit('failed', {}, failure));
    else queueMicrotask(() => this.emit('show', {}));
  });
  constructor(readonly options: { title: string; body: string }) {
    super();
    FakeNotification.instances.push(this);
  }
  /**
   * The person clicks the notification, on screen or later in the Action Center / Notification
   * Center. The object hears it only while it lives; on Windows the activation handler always does.
   */
  clickByPerson(): void {
    if (!this.collected) this.emit('click', {});
    if (fakeSystem.platform === 'win32') FakeNotification.activate({ type: 'click', arguments: '' });
  }
  /** The OS moved the toast to the Action Center (Windows) or the person dismissed it. */
  closeByOs(): void {
    if (!this.collected) this.emit('close', {});
  }
  /** Garbage collection took the object. */
  collect(): void {
    this.collected = true;
    this.removeAllListeners();
  }
}

function handleActivation(callback: ActivationHandler): void {
  FakeNotification.activationHandler = callback;
  const pending = FakeNotification.pendingActivation;
  FakeNotification.pendingActivation = undefined;
  if (pending) callback(pending);
}

// ---- sessions -------------------------------------------------------------------------------

type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void;

class FakeSession extends EventEmitter {
  headersListener: HeadersListener | undefined;
  permissionRequestHandler: ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | undefined;
  permissionCheckHandler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | undefined;
  devicePermissionHandler: ((details: unknown) => boolean) | undefined;
  readonly protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  readonly webRequest = {
    onHeadersReceived: vi.fn((listener: HeadersListener) => {
      this.headersListener = listener;
    }),
  };
  readonly protocol = {
    handle: vi.fn((scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
      this.protocolHandlers.set(scheme, handler);
    }),
  };
  readonly setPermissionRequestHandler = vi.fn((h: FakeSession['permissionRequestHandler']) => {
    this.permissionRequestHandler = h;
  });
  readonly setPermissionCheckHandler = vi.fn((h: FakeSession['permissionCheckHandler']) => {
    this.permissionCheckHandler = h;
  });
  readonly setDevicePermissionHandler = vi.fn((h: FakeSession['devicePermissionHandler']) => {
    this.devicePermissionHandler = h;
  });
}

// ---- IPC ------------------------------------------------------------------------------------

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, InvokeHandler>();
  readonly handle = vi.fn((channel: string, handler: InvokeHandler) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  });
  readonly removeHandler = vi.fn((channel: string) => {
    this.handlers.delete(channel);
  });
  /** Call a handler as Electron would for an `ipcRenderer.invoke` from `sender`/`senderFrame`. */
  async invoke(channel: string, from: { sender: FakeWebContents; senderFrame: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: from.sender, senderFrame: from.senderFrame, frameId: 1, processId: 1 }, ...args);
  }
}

class FakeIpcRenderer extends EventEmitter {
  readonly invoke = vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null }));
}

// ---- the module's exports -----------------------------------------------------------------------

export const app = new FakeApp();
export const ipcMain = new FakeIpcMain();
export const ipcRenderer = new FakeIpcRenderer();
class FakePowerMonitor extends EventEmitter {
  /**
   * The system is about to shut down (Linux: logind's PrepareForShutdown; macOS: will power off).
   * Returns whether a listener called preventDefault(): on Linux the shutdown then waits, on its
   * delay lock, for the app to exit; otherwise it goes on at once.
   */
  shutdown(): boolean {
    let prevented = false;
    this.emit('shutdown', { preventDefault: () => (prevented = true) });
    return prevented;
  }
}

export const powerMonitor = new FakePowerMonitor();
export const BrowserWindow = FakeBrowserWindow;
export const Tray = FakeTray;
export const Notification = FakeNotification;
export const Menu = { buildFromTemplate: vi.fn((template: Electron.MenuItemConstructorOptions[]) => new FakeMenu(template)) };
export const nativeImage = {
  createFromBuffer: vi.fn((buffer: Buffer, options?: { scaleFactor?: number }) => new FakeNativeImage(buffer, options)),
  createEmpty: vi.fn(() => new FakeNativeImage(Buffer.alloc(0))),
};
export const shell = { openExternal: vi.fn(async (_url: string) => undefined), openPath: vi.fn(async () => '') };
export const session = { defaultSession: new FakeSession() };
export const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
export const dialog = { showErrorBox: vi.fn() };

export const net = {
  online: true,
  isOnline: vi.fn((): boolean => net.online),
};

// A reversible stand-in for the OS: not encryption, but the bytes differ from the input. The two
// APIs write different (made-up) prefixes, so a spec can tell which one wrote what.
const seal = (prefix: string, plain: string) => Buffer.from(`${prefix}${Buffer.from(plain, 'utf8').reverse().toString('base64')}`);
const unseal = (text: string, prefix: string) => Buffer.from(text.slice(prefix.length), 'base64').reverse().toString('utf8');
const SYNC_PREFIX = 'v11:';
const ASYNC_PREFIX = /^async(\d+):/;

export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  /** The async API's current key; data sealed under an older one decrypts with `shouldReEncrypt`. */
  keyGeneration: 1,
  isEncryptionAvailable: vi.fn((): boolean => safeStorage.available),
  getSelectedStorageBackend: vi.fn((): string => safeStorage.backend),
  /** Deprecated in Electron 45. */
  encryptString: vi.fn((plain: string): Buffer => {
    if (!safeStorage.available) throw new Error('Encryption is not available.');
    return seal(SYNC_PREFIX, plain);
  }),
  /** Deprecated in Electron 45; reads only what encryptString wrote. */
  decryptString: vi.fn((encrypted: Buffer): string => {
    const text = encrypted.toString();
    if (!safeStorage.available || !text.startsWith(SYNC_PREFIX)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return unseal(text, SYNC_PREFIX);
  }),
  isAsyncEncryptionAvailable: vi.fn(async (): Promise<boolean> => safeStorage.available),
  encryptStringAsync: vi.fn(async (plain: string): Promise<Buffer> => {
    if (!safeStorage.available) throw new Error('Encryption is not available.');
    return seal(`async${safeStorage.keyGeneration}:`, plain);
  }),
  /** Reads what either API wrote ("Data encrypted with safeStorage.encryptString can be decrypted with safeStorage.decryptStringAsync"). */
  decryptStringAsync: vi.fn(async (encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> => {
    const text = encrypted.toString();
    const failed = new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.');
    if (!safeStorage.available) throw failed;
    if (text.startsWith(SYNC_PREFIX)) return { result: unseal(text, SYNC_PREFIX), shouldReEncrypt: false };
    const match = ASYNC_PREFIX.exec(text);
    if (!match) throw failed;
    return { result: unseal(text, match[0]), shouldReEncrypt: Number(match[1]) < safeStorage.keyGeneration };
  }),
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, api: unknown) => {
    contextBridge.exposed.set(key, api);
  }),
};

const fakeElectron = {
  app,
  ipcMain,
  ipcRenderer,
  powerMonitor,
  BrowserWindow,
  Tray,
  Notification,
  Menu,
  nativeImage,
  shell,
  session,
  protocol,
  dialog,
  net,
  safeStorage,
  contextBridge,
};
export default fakeElectron;

/** Play another OS from here on (until the next reset). */
export function setFakePlatform(platform: NodeJS.Platform): void {
  fakeSystem.platform = platform;
  FakeNotification.handleActivation = platform === 'win32' ? handleActivation : undefined;
}

/** Forget everything the previous test did. */
export function resetFakeElectron(): void {
  vi.clearAllMocks();
  for (const emitter of [app, ipcMain, ipcRenderer, powerMonitor, session.defaultSession]) emitter.removeAllListeners();
  app.singleInstanceLock = true;
  app.isPackaged = false;
  app.quitting = false;
  app.exited = undefined;
  app.paths.clear();
  app.loginItems.clear();
  setFakePlatform(process.platform);
  ipcMain.handlers.clear();
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  FakeNotification.failure = undefined;
  FakeNotification.activationHandler = undefined;
  FakeNotification.pendingActivation = undefined;
  const s = session.defaultSession;
  s.headersListener = undefined;
  s.permissionRequestHandler = undefined;
  s.permissionCheckHandler = undefined;
  s.devicePermissionHandler = undefined;
  s.protocolHandlers.clear();
  net.online = true;
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
  safeStorage.keyGeneration = 1;
  contextBridge.exposed.clear();
}
