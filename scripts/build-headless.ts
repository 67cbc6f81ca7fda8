/**
 * Build what headless mode runs, each with a build-info file that `scripts/headless.mjs` checks
 * (scripts/build-info.mjs) before every start, so a start rebuilds only what changed:
 *
 *   main/headless/cli.ts → dist/headless/cli.js   esbuild, the way the Electron main is bundled
 *                                                 (build-electron.ts): one ES module, our own code
 *                                                 bundled, npm packages left to node_modules —
 *                                                 except zod, bundled in: loaded as a package it
 *                                                 pulls in every locale, file by file, on each
 *                                                 start (about 25 ms of CPU).
 *                          dist/headless/build-info.json
 *   renderer/            → dist/renderer/          Vite (vite.config.ts), as `npm run build:renderer`
 *                          dist/renderer-build-info.json   (beside the folder the server serves)
 *
 * A build-info file lists every source that went into the build with its size and modification
 * time: esbuild's metafile for the bundle, the module ids Vite loaded for the window.
 *
 *   npx tsx scripts/build-headless.ts            both
 *   npx tsx scripts/build-headless.ts headless   the bundle only (or: renderer)
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

export interface HeadlessBuildResult {
  cliFile: string;
  infoFile: string;
  /** Source files bundled (relative to the root). */
  inputs: string[];
}

/** What the staleness check compares: each input's size and modification time. */
export interface BuildInfo {
  builtAt: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

const defaultRoot = path.resolve(import.meta.dirname, '..');

export function headlessPaths(root = defaultRoot) {
  return {
    cliFile: path.join(root, 'dist', 'headless', 'cli.js'),
    cliInfo: path.join(root, 'dist', 'headless', 'build-info.json'),
    rendererDir: path.join(root, 'dist', 'renderer'),
    rendererInfo: path.join(root, 'dist', 'renderer-build-info.json'),
  };
}

/** Packages bundled in rather than loaded from node_modules (see above). */
const BUNDLED_PACKAGES = new Set(['zod']);

/** How headless mode is compiled; the benchmarks compile their clients the same way (bench/lib/compile.ts). */
export function nodeBundleOptions(root = defaultRoot): BuildOptions {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const external = Object.keys(pkg.dependencies ?? {}).filter((p) => !BUNDLED_PACKAGES.has(p));
  return {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // A package and its subpaths (`pino/file`); every other npm package is a dev dependency
    // that headless mode never imports.
    external: external.flatMap((p) => [p, `${p}/*`]),
    sourcemap: true,
    logLevel: 'warning',
  };
}

function writeBuildInfo(root: string, infoFile: string, inputs: readonly string[]): void {
  const info: BuildInfo = { builtAt: new Date().toISOString(), inputs: {} };
  for (const rel of [...new Set(inputs)].sort()) {
    const s = statSync(path.join(root, rel));
    info.inputs[rel] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + '\n');
}

export async function buildHeadless(options: { root?: string; outDir?: string } = {}): Promise<HeadlessBuildResult> {
  const root = options.root ?? defaultRoot;
  const outDir = options.outDir ?? path.dirname(headlessPaths(root).cliFile);
  const cliFile = path.join(outDir, 'cli.js');
  const result = await build({
    ...nodeBundleOptions(root),
    entryPoints: [path.join(root, 'main/headless/cli.ts')],
    outfile: cliFile,
    metafile: true,
  });
  // The build script itself is an input too (a change to how it bundles is a change); bundled
  // packages are, through their files, and package-lock.json stands for the rest.
  const inputs = [
    ...Object.keys(result.metafile.inputs),
    path.relative(root, path.join(import.meta.dirname, 'build-headless.ts')),
    'package.json',
    'package-lock.json',
  ];
  const infoFile = path.join(outDir, 'build-info.json');
  writeBuildInfo(root, infoFile, inputs);
  return { cliFile, infoFile, inputs };
}

/** The window, with Vite and the repository's vite.config.ts, recording the modules it loaded. */
export async function buildRenderer(options: { root?: string } = {}): Promise<{ inputs: string[] }> {
  const root = options.root ?? defaultRoot;
  const { build: viteBuild } = await import('vite');
  const loaded = new Set<string>();
  await viteBuild({
    configFile: path.join(root, 'vite.config.ts'),
    plugins: [
      {
        name: 'replyline-build-inputs',
        buildEnd() {
          for (const id of this.getModuleIds()) {
            const file = id.split('?')[0]!;
            if (path.isAbsolute(file) && !file.includes(`${path.sep}node_modules${path.sep}`) && file.startsWith(root)) loaded.add(file);
          }
        },
      },
    ],
  });
  const inputs = [...loaded, path.join(root, 'vite.config.ts'), path.join(root, 'package-lock.json')].map((f) => path.relative(root, f));
  writeBuildInfo(root, headlessPaths(root).rendererInfo, inputs);
  return { inputs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const what = process.argv.slice(2);
  const all = what.length === 0;
  if (all || what.includes('renderer')) {
    await buildRenderer();
    console.error('build-headless: dist/renderer is ready');
  }
  if (all || what.includes('headless')) {
    await buildHeadless();
    console.error('build-headless: dist/headless/cli.js is ready');
  }
}
