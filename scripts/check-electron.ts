/**
 * `npm start` runs this first. Without Electron's binary (never fetched by `npm install` since
 * Electron 42) it fetches it the way the `electron` command would; where that fails (offline, a
 * blocked download) it says so in one line (what is missing, how to get it, and that
 * `npm run headless` runs the same app) and exits 1, before the build and instead of Electron's
 * own stack trace.
 */
import path from 'node:path';
import { electronBinary, fetchElectronBinary, FETCHING_ELECTRON, MISSING_ELECTRON } from './electron-binary.js';

const root = path.resolve(import.meta.dirname, '..');
if (!electronBinary(root)) {
  process.stdout.write(`${FETCHING_ELECTRON}\n`);
  if (!fetchElectronBinary(root)) {
    process.stderr.write(`${MISSING_ELECTRON}\n`);
    process.exit(1);
  }
}
