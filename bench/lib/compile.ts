/**
 * The benchmarks run every client compiled, the way `npm run headless` runs headless mode: one
 * esbuild bundle per entry with the same options, started with plain `node` (no tsx,
 * no transform on start). Both sides of a comparison go through the same build, so neither pays
 * for TypeScript on the fly. Bundles go to bench/.build/ (inside the repository, so that
 * node_modules resolves), rebuilt by every row process that needs them (esbuild takes well under
 * a second).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildHeadless, nodeBundleOptions } from '../../scripts/build-headless.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD_DIR = path.join(root, 'bench', '.build');

/** With headless mode's esbuild options (scripts/build-headless.ts). */
export async function compileEntry(entry: string): Promise<string> {
  const outfile = path.join(BUILD_DIR, path.basename(entry).replace(/\.ts$/, '.js'));
  await build({ ...nodeBundleOptions(root), entryPoints: [path.join(root, entry)], outfile });
  return outfile;
}

/** Headless mode as `npm run headless` runs it (its own build script), in bench/.build/headless/. */
export async function compileHeadless(): Promise<string> {
  return (await buildHeadless({ root, outDir: path.join(BUILD_DIR, 'headless') })).cliFile;
}
