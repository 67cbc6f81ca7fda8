/**
 * "Start at login". Windows and macOS have `app.setLoginItemSettings`; Linux has no such API in
 * Electron, so there it writes (or removes) an XDG autostart entry,
 * `~/.config/autostart/replyline.desktop`. A start at login opens hidden, in the tray.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { app } from 'electron';
import { getLogger } from '../core/logging/logger.js';

export const HIDDEN_ARG = '--hidden';

/**
 * The login item, the same in the write and the read-back: on Windows, `getLoginItemSettings`
 * reports `openAtLogin` only for a Run entry with the path and args it is asked about ("If you
 * provided `path` and `args` options to `app.setLoginItemSettings`, then you need to pass the same
 * arguments here", Electron 45's typings). macOS ignores `args`.
 */
const LOGIN_ITEM = { args: [HIDDEN_ARG] };

export interface LoginItemOptions {
  platform?: NodeJS.Platform;
  /** Linux: the XDG autostart folder (default `<appData>/autostart`, i.e. ~/.config/autostart). */
  autostartDir?: string;
}

/** Quote one argument for a desktop entry's Exec key (freedesktop Desktop Entry spec). */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>|&;*?#()~]/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The command that starts this copy of the app: the AppImage if we run from one. */
export function launchCommand(): string[] {
  const exe = process.env.APPIMAGE || process.execPath;
  return app.isPackaged ? [exe] : [exe, app.getAppPath()];
}

export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Replyline',
    'Comment=WhatsApp auto-replies, started at login',
    `Exec=${[...command, HIDDEN_ARG].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

function autostartFile(options: LoginItemOptions): string {
  return path.join(options.autostartDir ?? path.join(app.getPath('appData'), 'autostart'), 'replyline.desktop');
}

/** Make the OS start (or stop starting) Replyline at login. Idempotent. */
export async function applyStartAtLogin(enabled: boolean, options: LoginItemOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  try {
    if (platform === 'linux') {
      const file = autostartFile(options);
      if (enabled) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, desktopEntry(launchCommand()));
      } else {
        await fs.rm(file, { force: true });
      }
      return;
    }
    if (app.getLoginItemSettings(LOGIN_ITEM).openAtLogin === enabled) return;
    app.setLoginItemSettings({ openAtLogin: enabled, ...LOGIN_ITEM });
  } catch (err) {
    getLogger('login-item').warn({ err }, 'could not change start at login');
  }
}

/** Whether this launch was a start at login (then the window stays hidden). */
export function startedAtLogin(argv: readonly string[] = process.argv): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
