/**
 * `npm start` on a machine without Electron's binary (a blocked download, an offline install,
 * ELECTRON_SKIP_BINARY_DOWNLOAD): one line that says what is missing, how to get it, and that
 * `npm run headless` runs the same app — not a stack trace from inside node_modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronBinary, MISSING_ELECTRON } from '../../scripts/electron-binary.js';
import { tempDir } from '../support/temp-dir.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('finding the Electron binary', () => {
  it('finds it where the electron package keeps it, and says when it is not there', () => {
    const fake = tempDir('replyline-root-');
    const pkg = path.join(fake, 'node_modules', 'electron');
    mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    expect(electronBinary(fake, {})).toBeUndefined();
    writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    expect(electronBinary(fake, {})).toBeUndefined();
    writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(electronBinary(fake, {})).toBe(path.join(pkg, 'dist', 'electron'));
  });

  it('the message names what is missing, how to get it, and npm run headless, in one line', () => {
    expect(MISSING_ELECTRON).not.toContain('\n');
    expect(MISSING_ELECTRON).toMatch(/Electron binary is missing/);
    expect(MISSING_ELECTRON).toMatch(/install\.js/);
    expect(MISSING_ELECTRON).toMatch(/npm run headless/);
  });
});

describe.skipIf(electronBinary(root) !== undefined)('npm start without the binary (this machine)', () => {
  it('ends in that one line, before building, with no stack trace', () => {
    const { ELECTRON_OVERRIDE_DIST_PATH: _override, ...env } = process.env;
    const r = spawnSync('npm', ['start'], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
    expect(r.status).not.toBe(0);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('Replyline: '));
    expect(ours).toEqual([MISSING_ELECTRON]);
    // No trace from inside node_modules, no download attempt, no build.
    expect(r.stderr + r.stdout).not.toMatch(/^\s+at .*node_modules/m);
    expect(r.stderr + r.stdout).not.toMatch(/Downloading Electron|Electron failed to install/);
    expect(r.stdout).not.toMatch(/vite|build-electron/);
  });
});
