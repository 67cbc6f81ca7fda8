/**
 * The tray icon as a small service. It owns the Electron `Tray`, its icon (one per tone:
 * connected, working, needs action, auto-reply off), its tooltip and its menu. Setters skip
 * no-op changes; every real change goes through one `render()`, which rebuilds the menu and
 * attaches it again (Linux app indicators only pick up a menu change on `setContextMenu`).
 *
 * It decides nothing: menu clicks call the injected `TrayActions`, which the shell wires to the
 * core. The `Tray` factory and the images are injectable for tests.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Snapshot } from '../contract/api.js';
import { assertNever, describeState, isPaused, type ConnectionState } from '../contract/api.js';
import { trayIconPng, type TrayTone } from './icons.js';

export interface TrayActions {
  setAutoReply(enabled: boolean): void;
  /** Pause auto-reply until this time (ms since epoch), or lift the pause with `null`. */
  pauseAutoReply(until: number | null): void;
  reconnectNow(): void;
  setStartAtLogin(enabled: boolean): void;
  openWindow(): void;
  quit(): void;
}

export interface TrayServiceOptions {
  actions: TrayActions;
  createTray?: (icon: NativeImage) => Tray;
  image?: (tone: TrayTone) => NativeImage;
  now?: () => number;
  platform?: NodeJS.Platform;
}

type AutoReply = Snapshot['autoReply'];

export const HOUR_MS = 60 * 60 * 1000;

/** Local midnight after `now`. */
export function startOfTomorrow(now: number): number {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

/** Which icon the tray shows: the connection first, then whether auto-reply is on. */
export function trayTone(state: ConnectionState, autoReply: AutoReply, now: number): TrayTone {
  switch (state.kind) {
    case 'awaiting-qr':
    case 'qr-expired':
    case 'conflict':
    case 'logged-out':
    case 'forbidden':
    case 'needs-relink':
      return 'needs-action';
    case 'idle':
    case 'connecting':
    case 'reconnecting':
      return 'working';
    case 'stopped':
      return 'off';
    case 'open':
      return autoReply.enabled && !isPaused(autoReply, now) ? 'connected' : 'off';
    default:
      return assertNever(state);
  }
}

/** The connection in words, without a countdown that would go stale in a tooltip. */
export function trayStateText(state: ConnectionState): string {
  if (state.kind === 'reconnecting') return `Reconnecting (attempt ${state.attempt})`;
  return describeState(state);
}

function clock(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function autoReplyText(autoReply: AutoReply, now: number): string {
  if (!autoReply.enabled) return 'off';
  if (isPaused(autoReply, now)) return `paused until ${clock(autoReply.pausedUntil!)}`;
  return 'on';
}

const iconCache = new Map<TrayTone, NativeImage>();

/** The tray image for a tone: one 32 px image on Linux, 16 px with a 2× representation elsewhere. */
export function trayImage(tone: TrayTone, platform: NodeJS.Platform = process.platform): NativeImage {
  const cached = iconCache.get(tone);
  if (cached) return cached;
  let image: NativeImage;
  if (platform === 'linux') {
    image = nativeImage.createFromBuffer(trayIconPng(tone, 32), { scaleFactor: 1 });
  } else {
    image = nativeImage.createFromBuffer(trayIconPng(tone, 16), { scaleFactor: 1 });
    image.addRepresentation({ scaleFactor: 2, buffer: trayIconPng(tone, 32) });
  }
  iconCache.set(tone, image);
  return image;
}

export class TrayService {
  readonly #actions: TrayActions;
  readonly #createTray: (icon: NativeImage) => Tray;
  readonly #image: (tone: TrayTone) => NativeImage;
  readonly #now: () => number;
  readonly #platform: NodeJS.Platform;
  #tray: Tray | undefined;
  #quitting = false;
  #state: ConnectionState = { kind: 'idle' };
  #autoReply: AutoReply = { enabled: false };
  #startAtLogin = false;
  #tone: TrayTone | undefined;
  #pauseEndTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: TrayServiceOptions) {
    this.#actions = options.actions;
    this.#createTray = options.createTray ?? ((icon) => new Tray(icon));
    const platform = options.platform ?? process.platform;
    this.#platform = platform;
    this.#image = options.image ?? ((tone) => trayImage(tone, platform));
    this.#now = options.now ?? Date.now;
  }

  setConnection(state: ConnectionState): void {
    if (sameState(this.#state, state)) return;
    this.#state = state;
    this.render();
  }

  setAutoReply(autoReply: AutoReply): void {
    if (this.#autoReply.enabled === autoReply.enabled && this.#autoReply.pausedUntil === autoReply.pausedUntil) return;
    this.#autoReply = { ...autoReply };
    this.render();
  }

  setStartAtLogin(enabled: boolean): void {
    if (this.#startAtLogin === enabled) return;
    this.#startAtLogin = enabled;
    this.render();
  }

  /** The app is quitting: Electron destroys the tray itself; render nothing more. */
  markQuitting(): void {
    this.#quitting = true;
  }

  destroy(): void {
    clearTimeout(this.#pauseEndTimer);
    this.#tray?.destroy();
    this.#tray = undefined;
  }

  render(): void {
    if (this.#quitting) return;
    const now = this.#now();
    const tone = trayTone(this.#state, this.#autoReply, now);
    if (!this.#tray) {
      this.#tray = this.#createTray(this.#image(tone));
      // macOS emits `click` as it opens the menu (whenever a menu is set), so a left click there
      // would open the window too; the menu's "Open Replyline" does that. Elsewhere a left click
      // (Linux: the indicator's activation) opens the window and the menu is the right button's.
      if (this.#platform !== 'darwin') this.#tray.on('click', () => this.#actions.openWindow());
    } else if (tone !== this.#tone) {
      this.#tray.setImage(this.#image(tone));
    }
    this.#tone = tone;
    this.#tray.setToolTip(`Replyline — ${trayStateText(this.#state)}\nAuto-reply: ${autoReplyText(this.#autoReply, now)}`);
    this.#tray.setContextMenu(Menu.buildFromTemplate(this.menuTemplate()));
    this.#scheduleRenderAtPauseEnd(now);
  }

  /** When a pause runs out the icon and menu change by themselves; render again at that time. */
  #scheduleRenderAtPauseEnd(now: number): void {
    clearTimeout(this.#pauseEndTimer);
    this.#pauseEndTimer = undefined;
    const until = this.#autoReply.pausedUntil;
    if (until === undefined || until <= now) return;
    this.#pauseEndTimer = setTimeout(() => this.render(), Math.min(until - now + 50, 2 ** 31 - 1));
    this.#pauseEndTimer.unref?.();
  }

  menuTemplate(): MenuItemConstructorOptions[] {
    const now = this.#now();
    const a = this.#actions;
    const paused = isPaused(this.#autoReply, now);
    const active = this.#autoReply.enabled && !paused;
    return [
      { id: 'status', label: trayStateText(this.#state), enabled: false },
      { type: 'separator' },
      {
        id: 'auto-reply',
        label: paused ? `Auto-reply (paused until ${clock(this.#autoReply.pausedUntil!)})` : 'Auto-reply',
        type: 'checkbox',
        checked: active,
        click: () => {
          if (active) return a.setAutoReply(false);
          if (paused) a.pauseAutoReply(null);
          if (!this.#autoReply.enabled) a.setAutoReply(true);
        },
      },
      {
        id: 'pause-hour',
        label: 'Pause auto-reply for 1 hour',
        enabled: this.#autoReply.enabled,
        click: () => a.pauseAutoReply(this.#now() + HOUR_MS),
      },
      {
        id: 'pause-tomorrow',
        label: 'Pause auto-reply until tomorrow',
        enabled: this.#autoReply.enabled,
        click: () => a.pauseAutoReply(startOfTomorrow(this.#now())),
      },
      { type: 'separator' },
      { id: 'open', label: 'Open Replyline', click: () => a.openWindow() },
      { id: 'reconnect', label: 'Reconnect now', click: () => a.reconnectNow() },
      {
        id: 'start-at-login',
        label: 'Start at login',
        type: 'checkbox',
        checked: this.#startAtLogin,
        click: () => a.setStartAtLogin(!this.#startAtLogin),
      },
      { type: 'separator' },
      { id: 'quit', label: 'Quit Replyline', click: () => a.quit() },
    ];
  }
}

function sameState(a: ConnectionState, b: ConnectionState): boolean {
  if (a.kind !== b.kind) return false;
  // Same kind: compare what the tray shows (attempt numbers, reasons); a new QR shows nothing new.
  return trayStateText(a) === trayStateText(b);
}
