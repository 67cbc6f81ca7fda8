import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../main/contract/api.js';
import {
  HOUR_MS,
  startOfTomorrow,
  TrayService,
  trayImage,
  trayTone,
  type TrayActions,
} from '../../main/electron/tray.js';
import { FakeNativeImage, FakeTray, nativeImage, resetFakeElectron, setFakePlatform } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const NOW = new Date(2025, 5, 10, 14, 30).getTime();

function makeTray(platform: NodeJS.Platform = 'linux') {
  setFakePlatform(platform);
  const actions: { [K in keyof TrayActions]: ReturnType<typeof vi.fn> } = {
    setAutoReply: vi.fn(),
    pauseAutoReply: vi.fn(),
    reconnectNow: vi.fn(),
    setStartAtLogin: vi.fn(),
    openWindow: vi.fn(),
    quit: vi.fn(),
  };
  const images = new Map<string, FakeNativeImage>();
  const service = new TrayService({
    actions: actions as unknown as TrayActions,
    platform,
    now: () => NOW,
    image: (tone) => {
      if (!images.has(tone)) images.set(tone, new FakeNativeImage(Buffer.from(tone)));
      return images.get(tone) as unknown as Electron.NativeImage;
    },
  });
  service.render();
  const tray = FakeTray.instances[0]!;
  return { service, tray, actions, images };
}

const open: ConnectionState = { kind: 'open', since: NOW, account: { phoneJid: 'x@s.whatsapp.net' } };

describe('tray tone', () => {
  const on = { enabled: true };
  it.each<[ConnectionState, string]>([
    [{ kind: 'idle' }, 'working'],
    [{ kind: 'connecting', attempt: 1 }, 'working'],
    [{ kind: 'reconnecting', attempt: 2, nextAttemptAt: NOW + 5000, delayMs: 5000, cause: 'connection-lost' }, 'working'],
    [{ kind: 'awaiting-qr', qr: 'q', qrIndex: 0 }, 'needs-action'],
    [{ kind: 'qr-expired' }, 'needs-action'],
    [{ kind: 'conflict' }, 'needs-action'],
    [{ kind: 'logged-out' }, 'needs-action'],
    [{ kind: 'forbidden' }, 'needs-action'],
    [{ kind: 'needs-relink', reason: 'bad session' }, 'needs-action'],
    [{ kind: 'stopped' }, 'off'],
    [open, 'connected'],
  ])('%o → %s', (state, tone) => {
    expect(trayTone(state, on, NOW)).toBe(tone);
  });

  it('shows "off" when connected but auto-reply is off or paused', () => {
    expect(trayTone(open, { enabled: false }, NOW)).toBe('off');
    expect(trayTone(open, { enabled: true, pausedUntil: NOW + 1 }, NOW)).toBe('off');
    expect(trayTone(open, { enabled: true, pausedUntil: NOW - 1 }, NOW)).toBe('connected');
  });
});

describe('TrayService', () => {
  beforeEach(() => resetFakeElectron());

  it('creates one tray with the icon, tooltip and menu of the state', () => {
    const { tray, images } = makeTray();
    expect(FakeTray.instances).toHaveLength(1);
    expect(tray.image).toBe(images.get('working'));
    expect(tray.tooltip).toBe('Replyline — Not started\nAuto-reply: off');
    expect(tray.menu?.items.map((i) => i.id ?? i.type)).toEqual([
      'status',
      'separator',
      'auto-reply',
      'pause-hour',
      'pause-tomorrow',
      'separator',
      'open',
      'reconnect',
      'start-at-login',
      'separator',
      'quit',
    ]);
  });

  it('changes icon and tooltip with the state, and re-attaches a fresh menu on each change', () => {
    const { service, tray, images } = makeTray();
    const firstMenu = tray.menu;
    service.setConnection({ kind: 'conflict' });
    expect(tray.image).toBe(images.get('needs-action'));
    expect(tray.tooltip).toContain('WhatsApp is open elsewhere');
    expect(tray.setContextMenu).toHaveBeenCalledTimes(2);
    expect(tray.menu).not.toBe(firstMenu);
    service.setAutoReply({ enabled: true });
    service.setConnection(open);
    expect(tray.image).toBe(images.get('connected'));
    expect(tray.tooltip).toBe('Replyline — Connected\nAuto-reply: on');
    expect(tray.setContextMenu).toHaveBeenCalledTimes(4);
    expect(tray.menu?.getMenuItemById('auto-reply')?.checked).toBe(true);
  });

  it('skips no-op changes', () => {
    const { service, tray } = makeTray();
    service.setConnection({ kind: 'conflict' });
    service.setAutoReply({ enabled: true });
    service.setStartAtLogin(true);
    const renders = tray.setContextMenu.mock.calls.length;
    service.setConnection({ kind: 'conflict' });
    service.setAutoReply({ enabled: true });
    service.setStartAtLogin(true);
    service.setConnection({ kind: 'awaiting-qr', qr: 'a', qrIndex: 0 });
    service.setConnection({ kind: 'awaiting-qr', qr: 'b', qrIndex: 1 }); // new QR: nothing new in the tray
    expect(tray.setContextMenu.mock.calls.length).toBe(renders + 1);
  });

  it('does not show a countdown that would go stale', () => {
    const { service, tray } = makeTray();
    service.setConnection({ kind: 'reconnecting', attempt: 3, nextAttemptAt: NOW + 9000, delayMs: 9000, cause: 'connection-lost' });
    expect(tray.tooltip).toContain('Reconnecting (attempt 3)');
  });

  it('menu items call the actions', () => {
    const { service, tray, actions } = makeTray();
    tray.menu!.click('auto-reply');
    expect(actions.setAutoReply).toHaveBeenCalledWith(true);
    service.setAutoReply({ enabled: true });
    tray.menu!.click('auto-reply');
    expect(actions.setAutoReply).toHaveBeenLastCalledWith(false);
    tray.menu!.click('pause-hour');
    expect(actions.pauseAutoReply).toHaveBeenCalledWith(NOW + HOUR_MS);
    tray.menu!.click('pause-tomorrow');
    expect(actions.pauseAutoReply).toHaveBeenLastCalledWith(new Date(2025, 5, 11, 0, 0).getTime());
    tray.menu!.click('reconnect');
    expect(actions.reconnectNow).toHaveBeenCalled();
    tray.menu!.click('start-at-login');
    expect(actions.setStartAtLogin).toHaveBeenCalledWith(true);
    tray.menu!.click('open');
    expect(actions.openWindow).toHaveBeenCalled();
    tray.menu!.click('quit');
    expect(actions.quit).toHaveBeenCalled();
  });

  it.each<NodeJS.Platform>(['win32', 'linux'])('%s: a left click on the icon opens the window', (platform) => {
    const { tray, actions } = makeTray(platform);
    tray.clickIcon();
    expect(actions.openWindow).toHaveBeenCalledTimes(1);
    expect(tray.menuShown).toBe(0);
    tray.rightClickIcon();
    expect(tray.menuShown).toBe(1);
    expect(actions.openWindow).toHaveBeenCalledTimes(1);
  });

  it('macOS: a left click on the icon only opens the menu, not the window as well', () => {
    const { tray, actions } = makeTray('darwin');
    tray.clickIcon();
    expect(tray.menuShown).toBe(1);
    expect(actions.openWindow).not.toHaveBeenCalled();
  });

  it('while paused: shows until when, and ticking Auto-reply lifts the pause', () => {
    const { service, tray, actions } = makeTray();
    service.setAutoReply({ enabled: true, pausedUntil: NOW + HOUR_MS });
    const item = tray.menu!.getMenuItemById('auto-reply')!;
    expect(item.checked).toBe(false);
    expect(item.label).toMatch(/paused until/);
    expect(tray.tooltip).toMatch(/Auto-reply: paused until/);
    tray.menu!.click('auto-reply');
    expect(actions.pauseAutoReply).toHaveBeenCalledWith(null);
    expect(actions.setAutoReply).not.toHaveBeenCalled();
  });

  it('disables the pause items while auto-reply is off', () => {
    const { tray } = makeTray();
    expect(tray.menu!.getMenuItemById('pause-hour')!.enabled).toBe(false);
    expect(tray.menu!.getMenuItemById('pause-tomorrow')!.enabled).toBe(false);
  });

  it('renders nothing more once the app is quitting', () => {
    const { service, tray } = makeTray();
    service.markQuitting();
    service.setConnection({ kind: 'conflict' });
    expect(tray.setContextMenu).toHaveBeenCalledTimes(1);
  });

  it('re-renders when a pause runs out', () => {
    vi.useFakeTimers();
    try {
      let now = NOW;
      const tray = new TrayService({ actions: {} as TrayActions, now: () => now });
      tray.setAutoReply({ enabled: true, pausedUntil: NOW + 1000 });
      const fake = FakeTray.instances.at(-1)!;
      const calls = fake.setContextMenu.mock.calls.length;
      now += 2000;
      vi.advanceTimersByTime(2000);
      expect(fake.setContextMenu.mock.calls.length).toBe(calls + 1);
      expect(fake.tooltip).toMatch(/Auto-reply: on/);
      tray.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('tray images', () => {
  beforeEach(() => resetFakeElectron());

  it('are PNGs drawn per tone, with a 2× representation outside Linux', () => {
    const mac = trayImage('needs-action', 'darwin') as unknown as FakeNativeImage;
    expect(mac.buffer.subarray(1, 4).toString()).toBe('PNG');
    expect(mac.representations).toHaveLength(1);
    expect(mac.representations[0]!.scaleFactor).toBe(2);
    expect(nativeImage.createFromBuffer).toHaveBeenCalled();
  });

  it('startOfTomorrow is the next local midnight', () => {
    expect(startOfTomorrow(new Date(2025, 11, 31, 23, 59).getTime())).toBe(new Date(2026, 0, 1).getTime());
  });
});
