/**
 * The Electron security scan (electronegativity) as part of the suite: the app's Electron code
 * has no high or medium finding and every file parses; and, so a green result means something,
 * the same scan fails a deliberately insecure fixture and a file it cannot parse.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScan, scanElectron } from '../../scripts/security-scan.js';
import { tempDir } from '../support/temp-dir.js';

describe('electronegativity scan', () => {
  it('finds no high or medium issue in main/electron, preload and renderer', async () => {
    const result = await scanElectron();
    console.log(formatScan(result));
    expect(result.parseErrors).toEqual([]);
    expect(result.blocking).toEqual([]);
  }, 120_000);

  it('fails an insecure window and an unparsable file (control)', async () => {
    const root = tempDir('replyline-scan-fixture-');
    mkdirSync(path.join(root, 'main/electron'), { recursive: true });
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ devDependencies: { electron: '45.4.1' } }));
    writeFileSync(
      path.join(root, 'main/electron/window.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false } });\n",
    );
    writeFileSync(path.join(root, 'main/electron/broken.ts'), 'export const = ;\n');
    const result = await scanElectron(root);
    const ids = result.blocking.map((f) => f.id);
    expect(ids).toContain('CONTEXT_ISOLATION_JS_CHECK');
    expect(ids).toContain('SANDBOX_JS_CHECK');
    expect(ids).toContain('LIMIT_NAVIGATION_GLOBAL_CHECK');
    expect(result.parseErrors.join()).toContain('broken.ts');
  }, 120_000);
});
