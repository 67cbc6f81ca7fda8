/**
 * Quitting. Closing the window only hides it (window.ts); the app ends through Quit (tray menu,
 * Cmd+Q, OS shutdown). On the way out the core gets to flush its stores and release the session
 * lock: the first `before-quit` is held back until `core.close()` settles (or a time limit
 * passes), then the quit goes ahead.
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
}

export interface QuitControl {
  isQuitting(): boolean;
  /** Treat what follows as a quit (e.g. the OS ends the session). */
  markQuitting(): void;
}

export function setupQuit(options: QuitOptions): QuitControl {
  const log = getLogger('lifecycle');
  let quitting = false;
  let phase: 'running' | 'closing' | 'closed' = 'running';

  const markQuitting = (): void => {
    if (quitting) return;
    quitting = true;
    options.onQuitting?.();
  };

  app.on('before-quit', (event) => {
    markQuitting();
    if (phase === 'closed') return;
    event.preventDefault();
    if (phase === 'closing') return;
    phase = 'closing';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn('the core did not close in time; quitting anyway');
        resolve();
      }, options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS);
    });
    const closing = options.core.close().catch((err: unknown) => log.error({ err }, 'the core failed to close cleanly'));
    void Promise.race([closing, limit]).finally(() => {
      clearTimeout(timer);
      phase = 'closed';
      app.quit();
    });
  });

  // The tray keeps the app alive when no window is open.
  app.on('window-all-closed', () => undefined);

  // Linux/macOS: the OS is shutting down; quit properly so the core can flush.
  powerMonitor.on('shutdown', () => {
    markQuitting();
    app.quit();
  });

  return { isQuitting: () => quitting, markQuitting };
}
