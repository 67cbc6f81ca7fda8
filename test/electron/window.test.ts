import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RENDERER_ENTRY_URL } from '../../main/electron/app-protocol.js';
import { setupSessionSecurity } from '../../main/electron/content-security.js';
import { CONTENT_SECURITY_POLICY } from '../../main/core/app/window-files.js';
import {
  createMainWindow,
  isExternalHttpUrl,
  closedToTrayNotice,
  handleWindowClose,
  showWindow,
} from '../../main/electron/window.js';
import { type FakeBrowserWindow, resetFakeElectron, session, shell } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

function makeWindow(): FakeBrowserWindow {
  return createMainWindow({ preloadFile: '/app/dist/preload/preload.cjs' }) as unknown as FakeBrowserWindow;
}

describe('main window', () => {
  beforeEach(() => resetFakeElectron());

  it('is created hidden with hardened webPreferences and the bundled preload', () => {
    const win = makeWindow();
    expect(win.options.show).toBe(false);
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/dist/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
    });
  });

  it('loads only the app origin', () => {
    const win = makeWindow();
    expect(win.loadURL).toHaveBeenCalledTimes(1);
    expect(win.loadURL).toHaveBeenCalledWith(RENDERER_ENTRY_URL);
    expect(RENDERER_ENTRY_URL).toBe('replyline://app/index.html');
  });

  it.each([
    ['https://example.com/help', true],
    ['http://example.com/', true],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['replyline://app/index.html', false],
    ['about:blank', false],
  ])('blocks navigation to %s (opening it outside only when web: %s)', (url, external) => {
    const win = makeWindow();
    expect(win.webContents.fire('will-navigate', url)).toBe(true);
    if (external) expect(shell.openExternal).toHaveBeenCalledWith(url);
    else expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it.each([
    ['https://faq.whatsapp.com/', true],
    ['file:///home/someone/.ssh/id_rsa', false],
    ['smb://host/share', false],
    ['ms-msdt:/id', false],
    ['replyline://app/other.html', false],
  ])('denies window.open(%s), handing only http(s) to the browser', (url, external) => {
    const win = makeWindow();
    expect(win.webContents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    if (external) expect(shell.openExternal).toHaveBeenCalledWith(url);
    else expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('blocks redirects away from the app and webview attachment', () => {
    const win = makeWindow();
    expect(win.webContents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(win.webContents.fire('will-redirect', 'replyline://app/index.html')).toBe(false);
    expect(win.webContents.fire('will-attach-webview', 'https://evil.example/')).toBe(true);
  });

  describe('closing', () => {
    function closing(options: { closeToTray?: boolean; noticeShown?: boolean } = {}) {
      const win = makeWindow();
      win.visible = true;
      const state = { quitting: false, noticeShown: options.noticeShown ?? true };
      const behaviour = {
        isQuitting: () => state.quitting,
        closeToTray: () => options.closeToTray ?? true,
        quit: vi.fn(),
        firstCloseToTray: vi.fn(() => !state.noticeShown && (state.noticeShown = true)),
      };
      handleWindowClose(win as unknown as Electron.BrowserWindow, behaviour);
      return { win, state, behaviour };
    }

    it('hides the window instead of closing it, until the app quits', () => {
      const { win, state, behaviour } = closing();
      expect(win.close()).toBe(false);
      expect(win.hide).toHaveBeenCalled();
      expect(win.isDestroyed()).toBe(false);
      expect(behaviour.quit).not.toHaveBeenCalled();
      state.quitting = true;
      expect(win.close()).toBe(true);
    });

    it('the first close into the tray keeps the window open for the notice; the next one hides it', () => {
      const { win, behaviour } = closing({ noticeShown: false });
      expect(win.close()).toBe(false);
      expect(win.hide).not.toHaveBeenCalled();
      expect(win.close()).toBe(false);
      expect(win.hide).toHaveBeenCalledTimes(1);
      expect(behaviour.firstCloseToTray).toHaveBeenCalledTimes(2);
    });

    it('with close-to-tray off, closing quits', () => {
      const { win, behaviour } = closing({ closeToTray: false, noticeShown: false });
      expect(win.close()).toBe(false); // the quit closes it, after the core has closed
      expect(behaviour.quit).toHaveBeenCalledTimes(1);
      expect(win.hide).not.toHaveBeenCalled();
      expect(behaviour.firstCloseToTray).not.toHaveBeenCalled();
    });

    it('says how to get back and how to turn it off, in words for each system', () => {
      for (const platform of ['linux', 'darwin', 'win32'] as const) {
        const notice = closedToTrayNotice(platform);
        expect(notice.kind).toBe('closed-to-tray');
        expect(notice.body).toContain('“Keep running in the tray when I close the window” in Settings');
      }
      expect(closedToTrayNotice('linux').body).toMatch(/no tray icons \(stock GNOME, for one\), by starting Replyline again/);
      expect(closedToTrayNotice('darwin').body).toContain('menu bar');
    });
  });

  it('showWindow restores, shows and focuses', () => {
    const win = makeWindow();
    win.minimized = true;
    showWindow(win as unknown as Electron.BrowserWindow);
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it('treats only http(s) URLs with a host as external links', () => {
    expect(isExternalHttpUrl('https://a.example')).toBe(true);
    expect(isExternalHttpUrl('not a url')).toBe(false);
    expect(isExternalHttpUrl('mailto:a@b.c')).toBe(false);
  });
});

describe('session security', () => {
  beforeEach(() => {
    resetFakeElectron();
    setupSessionSecurity(session.defaultSession as unknown as Electron.Session);
  });

  it.each(['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen'])(
    'denies the %s permission request and check',
    (permission) => {
      const s = session.defaultSession;
      const callback = vi.fn();
      s.permissionRequestHandler?.({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(s.permissionCheckHandler?.({}, permission, 'replyline://app', {})).toBe(false);
    },
  );

  it('denies device access', () => {
    expect(session.defaultSession.devicePermissionHandler?.({ deviceType: 'usb' })).toBe(false);
  });

  it('adds the CSP header to every response', () => {
    const callback = vi.fn();
    session.defaultSession.headersListener?.(
      { url: 'replyline://app/index.html', responseHeaders: { 'Content-Type': ['text/html'] } },
      callback,
    );
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: {
        'Content-Type': ['text/html'],
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });

  it.each([
    ['https://evil.example/payload.exe', true],
    ['file:///etc/passwd', true],
    ['blob:https://evil.example/1234', true],
    ['blob:replyline://app/5f1c-uuid', false],
    ['data:text/csv;charset=utf-8,a,b', false],
  ])('download of %s cancelled: %s', (url, cancelled) => {
    const event = { preventDefault: vi.fn() };
    session.defaultSession.emit('will-download', event, { getURL: () => url });
    expect(event.preventDefault).toHaveBeenCalledTimes(cancelled ? 1 : 0);
  });

  it('uses a CSP with nothing remote, inline or eval', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*|ws:/);
  });
});
