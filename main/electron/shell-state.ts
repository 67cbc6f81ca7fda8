/**
 * What the shell remembers between runs that is not a setting: whether the one-time
 * close-to-tray notice was shown. Kept in `shell-state.json` beside settings.json (electron-store:
 * atomic writes); an unreadable file counts as "not shown", which at worst shows the notice again.
 */
import ElectronStore from 'electron-store';
import { getLogger } from '../core/logging/logger.js';

export interface ShellState {
  closeToTrayNoticeShown(): boolean;
  markCloseToTrayNoticeShown(): void;
}

interface Shape {
  closeToTrayNoticeShown: boolean;
}

export function openShellState(options: { cwd: string }): ShellState {
  let store: ElectronStore<Shape> | undefined;
  try {
    store = new ElectronStore<Shape>({ cwd: options.cwd, name: 'shell-state', clearInvalidConfig: true });
  } catch (err) {
    getLogger('shell-state').warn({ err }, 'shell-state.json could not be read; keeping it in memory');
  }
  let shown = store?.get('closeToTrayNoticeShown') === true;
  return {
    closeToTrayNoticeShown: () => shown,
    markCloseToTrayNoticeShown: () => {
      shown = true;
      try {
        store?.set('closeToTrayNoticeShown', true);
      } catch (err) {
        getLogger('shell-state').warn({ err }, 'could not remember that the close-to-tray notice was shown');
      }
    },
  };
}
