/**
 * Bundle the Electron side with esbuild:
 *
 *   preload/preload.ts        → dist/preload/preload.cjs  one CommonJS file (sandboxed preloads
 *                                                          can only `require('electron')`)
 *   main/electron/main.ts     → dist/main/electron/main.js   an ES module: our own code (the shell
 *                                                          and the core it imports) bundled, every
 *                                                          npm package left to node_modules
 *                                                          (electron-builder packs the production
 *                                                          dependencies)
 *
 * Run: `npx tsx scripts/build-electron.ts` (the renderer is built by Vite separately).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

export interface BuildOptions {
  /** Repository root (default: this script's parent folder). */
  root?: string;
  /** Output root (default `<root>/dist`). */
  outDir?: string;
}

export interface BuildResult {
  preloadFile: string;
  mainFile: string;
}

/** What a sandboxed preload may `require` at run time. */
export const SANDBOX_REQUIRES: ReadonlySet<string> = new Set(['electron', 'events', 'timers', 'url']);

function externalImports(meta: Metafile): string[] {
  return Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export async function buildElectron(options: BuildOptions = {}): Promise<BuildResult> {
  const root = options.root ?? path.resolve(import.meta.dirname, '..');
  const outDir = options.outDir ?? path.join(root, 'dist');
  const r = (p: string): string => path.join(root, p);
  const preloadFile = path.join(outDir, 'preload', 'preload.cjs');
  const mainOut = path.join(outDir, 'main');

  rmSync(mainOut, { recursive: true, force: true });
  rmSync(path.dirname(preloadFile), { recursive: true, force: true });

  const preload = build({
    entryPoints: [r('preload/preload.ts')],
    outfile: preloadFile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['electron'],
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  }).then((result) => {
    const bad = externalImports(result.metafile).filter((p) => !SANDBOX_REQUIRES.has(p));
    if (bad.length > 0) throw new Error(`the preload requires modules a sandbox cannot load: ${bad.join(', ')}`);
  });

  const main = build({
    entryPoints: [r('main/electron/main.ts')],
    outdir: mainOut,
    outbase: r('main'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  }).then((result) => {
    // Everything left external must be a runtime dependency (or a Node/Electron built-in), or
    // the packaged app would fail to resolve it.
    const pkg = JSON.parse(readFileSync(r('package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const missing = externalImports(result.metafile)
      .filter((p) => !p.startsWith('node:') && p !== 'electron' && !p.startsWith('.'))
      .map(packageName)
      .filter((p) => !deps.has(p));
    if (missing.length > 0) {
      throw new Error(`main imports packages that are not runtime dependencies: ${[...new Set(missing)].join(', ')}`);
    }
  });

  await Promise.all([preload, main]);
  return {
    preloadFile,
    mainFile: path.join(mainOut, 'electron', 'main.js'),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildElectron();
  console.log('build-electron: dist/main and dist/preload are ready');
}
