/**
 * Is a build stale? Each build writes a build-info file listing every source file that went into
 * it with its size and modification time; a build is stale when that file is missing, or when any
 * listed source is gone or differs. A few `stat` calls, no compiler: `scripts/headless.mjs` runs
 * this before every start. Plain JavaScript, so checking costs no TypeScript transform.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The sources that changed since the build described by `infoFile` (paths relative to `root`),
 * or `['(no build)']` when there is no usable build-info file. Empty: the build is current.
 * @param {string} root
 * @param {string} infoFile
 * @returns {string[]}
 */
export function changedInputs(root, infoFile) {
  /** @type {{ inputs?: Record<string, { size: number; mtimeMs: number }> }} */
  let info;
  try {
    info = JSON.parse(readFileSync(infoFile, 'utf8'));
  } catch {
    return ['(no build)'];
  }
  if (!info.inputs || Object.keys(info.inputs).length === 0) return ['(no build)'];
  const changed = [];
  for (const [rel, was] of Object.entries(info.inputs)) {
    try {
      const now = statSync(path.join(root, rel));
      if (now.size !== was.size || now.mtimeMs !== was.mtimeMs) changed.push(rel);
    } catch {
      changed.push(rel);
    }
  }
  return changed;
}
