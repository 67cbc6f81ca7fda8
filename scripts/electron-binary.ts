/**
 * Where Electron's binary is, found the way the `electron` package finds it (path.txt names it
 * inside node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH), without requiring that
 * package: its index.js starts a download when the binary is missing, and on an offline machine
 * or behind a blocked download that ends in a stack trace from inside node_modules.
 *
 * Since Electron 42 `npm install` never fetches the binary (the package has no install script);
 * the first `electron` command does. `fetchElectronBinary` runs that same fetch (the package's
 * install.js, which `npx install-electron` runs too) with its error output held back, so a fetch
 * that fails ends in `MISSING_ELECTRON` instead.
 */
import { spawnSync } from 'node:child_process';
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

/** Fetch the binary as the electron package does on its first use. True when it is there afterwards. */
export function fetchElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const install = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(install)) return false;
  const r = spawnSync(process.execPath, [install], { cwd: root, env, stdio: ['ignore', 'inherit', 'pipe'] });
  return r.status === 0 && electronBinary(root, env) !== undefined;
}

/** Said (on stdout) before the first start fetches the binary. */
export const FETCHING_ELECTRON = "Replyline: Electron's binary is not here yet; fetching it from Electron's releases (first start only)…";

/** One line for the person when the binary is missing and cannot be fetched: what, how to get it, and the way without it. */
export const MISSING_ELECTRON =
  'Replyline: the Electron binary is missing and could not be fetched (node_modules/electron/dist; offline, or the download was blocked). ' +
  'Get it on a machine with internet access with `npx install-electron --no`, ' +
  'or run the same app without it: npm run headless';
