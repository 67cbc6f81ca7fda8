/**
 * Libraries print to the console: libsignal dumps whole Signal sessions, private keys included,
 * with console.info ("Closing session: SessionEntry {…}") and console.warn. Key material belongs
 * in no terminal, service journal or Electron stdout, and stray lines break headless `--json`.
 * Route console.log/info/warn/debug to the logger at debug level (off unless
 * REPLYLINE_LOG_LEVEL=debug); console.error stays on stderr. Called once by each entry point.
 */
import { format } from 'node:util';
import { getLogger } from './logger.js';

export function quietLibraryConsole(): void {
  for (const method of ['log', 'info', 'warn', 'debug'] as const) {
    // eslint-disable-next-line no-console -- replacing the console is this module's job
    console[method] = (...items: unknown[]) => {
      const log = getLogger('console');
      if (log.isLevelEnabled('debug')) log.debug(format(...items));
    };
  }
}
