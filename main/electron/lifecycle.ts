/**
 * Quitting. Closing the window only hides it (window.ts); the app ends through Quit (tray menu,
 * Cmd+Q), the OS shutting down, or Windows ending the session. On every way out the core gets to
 * flush its stores and release the session lock first: `core.close()` runs once, and the quit is
 * held until it settles (or a time limit passes), then goes ahead.
 *
 *  - Quit: the first `before-quit` is held back until the core has closed, then quits again.
 *  - Linux/macOS shutdown (`powerMonitor` `shutdown`): quit as above. On Linux the handler also
 *    calls preventDefault(), which keeps Electron's logind delay lock, so the system waits for the
 *    flush (logind caps the wait at InhibitDelayMaxSec, 5 s by default, as is our limit).
 *  - Windows log-off or shutdown (the window's `session-end`): `before-quit`, `will-quit` and `quit`
 *    are not emitted then, and Electron 45 ends the process as soon as the session-end handlers
 *    return unless the app began a quit. So the handler starts the flush and a quit that
 *    `before-quit` lets through (Electron is then "quitting"); `will-quit` holds it until the core
 *    has closed. Windows may still end the process before that: the flush is begun first.
 */
import { app, powerMonitor } from 'electron';
import type { CoreService } from '../core/app/core-service.js';
import { getLogger } from '../core/logging/logger.js';

export const CLOSE_TIMEOUT_MS = 5_000;

export interface QuitOptions {
  core: Pick<CoreService, 'close'>;
  /** Told once the app is on its way out (the tray stops rendering). */
  onQuitting?: () => void;
  closeTimeoutMs?: number;
  platform?: NodeJS.Platform;
}

export interface QuitControl {
  isQuitting(): boolean;
  /** Windows is ending the session (the window's `session-end`): flush and quit now. */
  endSession(): void;
}

export function setupQuit(options: QuitOptions): QuitControl {
  const log = getLogger('lifecycle');
  const platform = options.platform ?? process.platform;
  let quitting = false;
  let sessionEnding = false;
  let closing: Promise<void> | undefined;
  let closed = false;

  const markQuitting = (): void => {
    if (quitting) return;
    quitting = true;
    options.onQuitting?.();
  };

  /** Close the core once; settles when it has closed, failed, or run out of time. */
  const closeCore = (): Promise<void> => {
    closing ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn('the core did not close in time; quitting anyway');
          resolve();
        }, options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS);
      });
      const done = options.core.close().catch((err: unknown) => log.error({ err }, 'the core failed to close cleanly'));
      await Promise.race([done, limit]);
      clearTimeout(timer);
      closed = true;
    })();
    return closing;
  };

  const quitOnceClosed = (): void => {
    void closeCore().then(() => app.quit());
  };

  app.on('before-quit', (event) => {
    markQuitting();
    if (closed || sessionEnding) return;
    event.preventDefault();
    quitOnceClosed();
  });

  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    quitOnceClosed();
  });

  // The tray keeps the app alive when no window is open.
  app.on('window-all-closed', () => undefined);

  // Linux/macOS: the OS is shutting down. Electron passes a cancelable event (the typings declare
  // none): preventDefault() is what makes logind wait on Linux. macOS needs no hold: its terminate
  // request goes through before-quit, which holds the quit until the core has closed.
  powerMonitor.on('shutdown', ((event: Electron.Event) => {
    log.info('the system is shutting down: closing the core, then quitting');
    if (platform === 'linux') event.preventDefault();
    markQuitting();
    app.quit();
  }) as () => void);

  return {
    isQuitting: () => quitting,
    endSession: () => {
      if (sessionEnding) return;
      sessionEnding = true;
      log.info('Windows is ending the session: closing the core, then quitting');
      markQuitting();
      void closeCore();
      app.quit();
    },
  };
}
