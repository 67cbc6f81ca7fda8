/**
 * How Electron's binary arrives, as the README and .ci/run describe it. The pinned `electron`
 * package has no install script (Electron ≥ 42), so `npm ci` fetches no binary, and nothing reads
 * ELECTRON_SKIP_BINARY_DOWNLOAD any more; the binary is fetched when the package is first required
 * or its `electron` command first runs. Should an upgrade change that, these fail and the notes
 * need another look.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const electronDir = path.join(root, 'node_modules', 'electron');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('the electron package', () => {
  it('has no install script, and allowScripts denies it one', () => {
    const pkg = readJson(path.join(electronDir, 'package.json')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[hook]).toBeUndefined();
    const ours = readJson(path.join(root, 'package.json')) as { allowScripts?: Record<string, boolean> };
    expect(ours.allowScripts?.electron).toBe(false);
  });

  it('fetches the binary on first require, and ELECTRON_SKIP_BINARY_DOWNLOAD is not read', () => {
    const entry = readFileSync(path.join(electronDir, 'index.js'), 'utf8');
    expect(entry).toMatch(/function downloadElectron\(\)/);
    for (const file of ['index.js', 'install.js', 'cli.js']) {
      expect(readFileSync(path.join(electronDir, file), 'utf8')).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
    }
  });
});
