import { afterEach, expect, it, vi } from 'vitest';
import { quietLibraryConsole } from '../../../main/core/logging/library-console.js';

const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug, error: console.error };
afterEach(() => Object.assign(console, saved));

it('keeps library console output (libsignal session dumps) away from the real console', () => {
  const printed = vi.fn();
  Object.assign(console, { log: printed, info: printed, warn: printed, debug: printed, error: printed });
  quietLibraryConsole();
  console.info('Closing session:', { privKey: 'SECRET-KEY-MATERIAL' });
  console.log('anything');
  console.warn('a warning');
  console.debug('details');
  expect(printed).not.toHaveBeenCalled();
  // Errors still reach stderr.
  console.error('real problem');
  expect(printed).toHaveBeenCalledOnce();
});
