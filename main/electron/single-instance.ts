/**
 * One running Replyline per user. The first instance holds Electron's single-instance lock; a
 * second launch quits at once and the first brings its window forward. (The core separately locks
 * the session folder, which also stops scripts and other profiles.)
 */
import { app } from 'electron';

/**
 * Take the lock. Returns false (and quits) when another instance holds it; otherwise calls
 * `onSecondInstance` whenever someone launches the app again.
 */
export function setupSingleInstance(onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  return true;
}
