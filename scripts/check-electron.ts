/**
 * `npm start` runs this first: without Electron's binary it says so in one line (what is
 * missing, how to get it, and that `npm run headless` runs the same app) and exits 1, before the
 * build and instead of Electron's own download attempt and stack trace.
 */
import path from 'node:path';
import { electronBinary, MISSING_ELECTRON } from './electron-binary.js';

const root = path.resolve(import.meta.dirname, '..');
if (!electronBinary(root)) {
  process.stderr.write(`${MISSING_ELECTRON}\n`);
  process.exit(1);
}
