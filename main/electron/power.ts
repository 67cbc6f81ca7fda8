/**
 * System events that mean "the link is probably dead, try now": resume from sleep, screen
 * unlock, and the network coming back. Each calls the core's `reconnectNow()`, which cuts a
 * running backoff short (or probes an open link) instead of waiting it out.
 *
 * Network-back: Electron's main process has no online/offline event, so this polls
 * `net.isOnline()` (Chromium's in-process network-change notifier: no traffic, microseconds per
 * call) every few seconds and acts on an offline→online edge. Polling in main was chosen over
 * the renderer's `online` event because the window is usually hidden in the tray, its timers are
 * throttled, and the contract has no such message; a few seconds of detection delay is far below
 * the backoff it replaces.
 */
import { net, powerMonitor } from 'electron';
import type { CoreService } from '../core/app/core-service.js';
import { getLogger } from '../core/logging/logger.js';

export const NETWORK_POLL_MS = 5_000;

export interface PowerOptions {
  core: Pick<CoreService, 'reconnectNow'>;
  pollMs?: number;
}

export function setupPower(options: PowerOptions): () => void {
  const log = getLogger('power');
  const { core } = options;
  const onResume = (): void => {
    log.info('system resumed or unlocked: reconnecting now');
    core.reconnectNow('resume');
  };
  powerMonitor.on('resume', onResume);
  powerMonitor.on('unlock-screen', onResume);

  let online = net.isOnline();
  const timer = setInterval(() => {
    const now = net.isOnline();
    if (now && !online) {
      log.info('network is back: reconnecting now');
      core.reconnectNow('network');
    }
    online = now;
  }, options.pollMs ?? NETWORK_POLL_MS);
  timer.unref?.();

  return () => {
    clearInterval(timer);
    powerMonitor.off('resume', onResume);
    powerMonitor.off('unlock-screen', onResume);
  };
}
