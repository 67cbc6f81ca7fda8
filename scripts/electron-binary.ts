/**
 * Where Electron's binary is, found the way the `electron` package finds it (path.txt names it
 * inside node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH), without requiring that
 * package: its index.js starts a download when the binary is missing, and on an offline machine
 * or behind a blocked download that ends in a stack trace from inside node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function electronBinary(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
  const exe = path.join(dist, relative);
  return existsSync(exe) ? exe : undefined;
}

/** One line for the person when the binary is missing: what, how to get it, and the way without it. */
export const MISSING_ELECTRON =
  'Replyline: the Electron binary is missing (node_modules/electron/dist; the download was blocked or skipped). ' +
  'Get it on a machine with internet access with `node node_modules/electron/install.js` (or `npm rebuild electron`), ' +
  'or run the same app without it: npm run headless';
