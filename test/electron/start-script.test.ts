/**
 * `npm start` and Electron's binary, which `npm install` never fetches (Electron ≥ 42): the first
 * start fetches it the way the `electron` command would; where that cannot work (offline, a
 * blocked download) it ends in one line that says what is missing, how to get it, and that
 * `npm run headless` runs the same app — not a stack trace from inside node_modules.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronBinary, fetchElectronBinary, FETCHING_ELECTRON, MISSING_ELECTRON } from '../../scripts/electron-binary.js';
import { tempDir } from '../support/temp-dir.js';

const root = path.resolve(import.meta.dirname, '../..');

/** A project folder with a stand-in electron package whose install.js runs `body`. */
function fakeRoot(body?: string): { root: string; pkg: string } {
  const fake = tempDir('replyline-root-');
  const pkg = path.join(fake, 'node_modules', 'electron');
  mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  if (body !== undefined) writeFileSync(path.join(pkg, 'install.js'), body);
  return { root: fake, pkg };
}

describe('finding the Electron binary', () => {
  it('finds it where the electron package keeps it, and says when it is not there', () => {
    const { root: fake, pkg } = fakeRoot();
    expect(electronBinary(fake, {})).toBeUndefined();
    writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    expect(electronBinary(fake, {})).toBeUndefined();
    writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    expect(electronBinary(fake, {})).toBe(path.join(pkg, 'dist', 'electron'));
  });

  it("fetches it with the package's own install.js, and tells a failed fetch from a good one", () => {
    expect(fetchElectronBinary(fakeRoot().root, {})).toBe(false);

    const failing = fakeRoot("console.error(new Error('getaddrinfo ENOTFOUND github.com').stack); process.exit(1);\n");
    expect(fetchElectronBinary(failing.root, {})).toBe(false);

    // Exits 0 but leaves no binary: still missing.
    expect(fetchElectronBinary(fakeRoot('process.exit(0);\n').root, {})).toBe(false);

    const working = fakeRoot(
      "const fs = require('node:fs'); const path = require('node:path');\n" +
        "fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '');\n" +
        "fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');\n",
    );
    expect(fetchElectronBinary(working.root, {})).toBe(true);
    expect(electronBinary(working.root, {})).toBe(path.join(working.pkg, 'dist', 'electron'));
  });

  it('the message names what is missing, how to get it, and npm run headless, in one line', () => {
    expect(MISSING_ELECTRON).not.toContain('\n');
    expect(MISSING_ELECTRON).toMatch(/Electron binary is missing and could not be fetched/);
    expect(MISSING_ELECTRON).toMatch(/npx install-electron --no/);
    expect(MISSING_ELECTRON).toMatch(/npm run headless/);
  });
});

describe.skipIf(electronBinary(root) !== undefined)('npm start without the binary, where it cannot be fetched (this machine)', () => {
  it('tries the fetch, then ends in that one line, before building, with no stack trace', async () => {
    // Electron's releases stand-in: every download is refused, so nothing reaches the internet
    // and nothing is written into node_modules/electron.
    const requests: string[] = [];
    const mirror = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    try {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !/electron_(mirror|config_cache|override_dist_path)/i.test(k)),
      );
      env.ELECTRON_MIRROR = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
      env.electron_config_cache = tempDir('replyline-electron-cache-');
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn('npm', ['start'], { cwd: root, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('error', reject);
        child.on('close', (status) => {
          clearTimeout(timer);
          resolve({ status, stdout, stderr });
        });
      });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain(FETCHING_ELECTRON);
      expect(requests.length, 'the fetch went to the mirror').toBeGreaterThan(0);
      const ours = r.stderr.split('\n').filter((l) => l.startsWith('Replyline: '));
      expect(ours).toEqual([MISSING_ELECTRON]);
      // No trace from inside node_modules, none of Electron's own download messages, no build.
      expect(r.stderr + r.stdout).not.toMatch(/^\s+at .*node_modules/m);
      expect(r.stderr + r.stdout).not.toMatch(/Downloading Electron|Electron failed to install|HTTPError/);
      expect(r.stdout).not.toMatch(/vite|build-electron/);
      expect(existsSync(path.join(root, 'node_modules', 'electron', 'path.txt'))).toBe(false);
      expect(existsSync(path.join(root, 'node_modules', 'electron', 'dist'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => mirror.close(() => resolve()));
    }
  }, 90_000);
});
