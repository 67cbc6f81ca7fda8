/**
 * Headless mode as `npm run headless` runs it: compiled (scripts/build-headless.ts bundles it with
 * esbuild; the bundle links, pairs and answers with plain node, no tsx), and started through
 * scripts/headless.mjs, which rebuilds only what changed since the last build: nothing when
 * nothing changed, the bundle when one of its sources changed, the window when one of its own did.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { buildHeadless, type BuildInfo } from '../../scripts/build-headless.js';
import { changedInputs } from '../../scripts/build-info.mjs';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { HeadlessProcess, REPO_ROOT } from '../support/headless-process.js';

describe('the compiled bundle', () => {
  let server: FakeWaServer;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    server = await startFakeWa();
    const out = tempDir('headless-build-');
    // The bundle leaves npm packages to node_modules, found from where it lies.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(out, 'node_modules'));
    ({ cliFile: bundle, inputs } = await buildHeadless({ outDir: path.join(out, 'headless') }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('is one ES module with our code in it and npm packages left to node_modules; its build-info lists what went in', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/from "@whiskeysockets\/baileys"/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(inputs).toEqual(expect.arrayContaining(['main/headless/cli.ts', 'main/core/app/create-core.ts', 'scripts/build-headless.ts']));
    // npm packages stay in node_modules, except zod, which is bundled in (see build-headless.ts).
    expect(inputs.filter((i) => i.includes('node_modules/') && !i.startsWith('node_modules/zod/'))).toEqual([]);
    expect(code).not.toMatch(/from "zod"/);
    expect(changedInputs(REPO_ROOT, path.join(path.dirname(bundle), 'build-info.json'))).toEqual([]);
  });

  it('starts with plain node, shows the QR, links and stops cleanly', async () => {
    const hp = await HeadlessProcess.start({ dataDir: tempDir('headless-bundle-'), server, bundle });
    try {
      await server.scanQr(await hp.nextQr());
      await hp.waitForState('open');
      expect(await hp.stop()).toBe(0);
      expect(hp.strayStdout).toEqual([]);
    } finally {
      await hp.kill();
    }
  }, 45_000);
});

describe('scripts/headless.mjs', () => {
  /**
   * A stand-in root: the real launcher and build-info checker, a stand-in build script that
   * records what it was asked to build (and writes fresh build-info files, as the real one does),
   * and a stand-in bundle whose runCli prints its arguments.
   */
  function standIn() {
    const root = tempDir('headless-launcher-');
    mkdirSync(path.join(root, 'scripts'));
    mkdirSync(path.join(root, 'src'));
    mkdirSync(path.join(root, 'dist', 'headless'), { recursive: true });
    for (const f of ['headless.mjs', 'build-info.mjs']) copyFileSync(path.join(REPO_ROOT, 'scripts', f), path.join(root, 'scripts', f));
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    writeFileSync(path.join(root, 'src', 'bundled.ts'), 'export {};\n');
    writeFileSync(path.join(root, 'src', 'window.ts'), 'export {};\n');
    writeFileSync(
      path.join(root, 'dist', 'headless', 'cli.js'),
      'export function runCli() { process.stdout.write("ran " + JSON.stringify(process.argv.slice(2)) + "\\n"); }\n',
    );
    writeFileSync(
      path.join(root, 'scripts', 'build-headless.ts'),
      `import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
const root = path.resolve(import.meta.dirname, '..');
const info = (files: string[]) => JSON.stringify({ builtAt: '', inputs: Object.fromEntries(files.map((f) => { const s = statSync(path.join(root, f)); return [f, { size: s.size, mtimeMs: s.mtimeMs }]; })) });
const what = process.argv.slice(2);
appendFileSync(path.join(root, 'builds.txt'), what.join('+') + '\\n');
if (what.includes('renderer')) writeFileSync(path.join(root, 'dist', 'renderer-build-info.json'), info(['src/window.ts']));
if (what.includes('headless')) writeFileSync(path.join(root, 'dist', 'headless', 'build-info.json'), info(['src/bundled.ts']));
`,
    );
    const run = () => {
      const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'headless.mjs'), '--port', '0'], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('ran ["--port","0"]\n');
      return r.stderr;
    };
    const builds = () => {
      try {
        return readFileSync(path.join(root, 'builds.txt'), 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    };
    const touch = (rel: string) => {
      const t = new Date(Date.now() + 5_000);
      utimesSync(path.join(root, rel), t, t);
    };
    return { root, run, builds, touch };
  }

  it('builds what was never built, then nothing while nothing changes, then only what changed', () => {
    const s = standIn();
    expect(s.run()).toMatch(/building renderer and headless/);
    expect(s.builds()).toEqual(['renderer+headless']);
    expect(s.run()).toBe('');
    expect(s.builds()).toHaveLength(1);

    s.touch('src/bundled.ts');
    expect(s.run()).toMatch(/building headless \(changed: src\/bundled\.ts\)/);
    s.touch('src/window.ts');
    expect(s.run()).toMatch(/building renderer \(changed: src\/window\.ts\)/);
    writeFileSync(path.join(s.root, 'src', 'bundled.ts'), 'export const x = 1;\n');
    s.run();
    expect(s.builds()).toEqual(['renderer+headless', 'headless', 'renderer', 'headless']);
    expect(s.run()).toBe('');
  });

  it('reads a build-info file with a missing source as stale', () => {
    const s = standIn();
    s.run();
    const info = JSON.parse(readFileSync(path.join(s.root, 'dist', 'headless', 'build-info.json'), 'utf8')) as BuildInfo;
    info.inputs['src/gone.ts'] = { size: 1, mtimeMs: 1 };
    writeFileSync(path.join(s.root, 'dist', 'headless', 'build-info.json'), JSON.stringify(info));
    expect(changedInputs(s.root, path.join(s.root, 'dist', 'headless', 'build-info.json'))).toEqual(['src/gone.ts']);
    expect(s.run()).toMatch(/building headless \(changed: src\/gone\.ts\)/);
  });
});
