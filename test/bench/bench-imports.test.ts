/**
 * The benchmarks share the test harness (test/support/) instead of copying it, and must not pull
 * in Vitest (or the log capture, which reroutes the core's logs) when they do: bundle every bench
 * entry point and look at what it imports.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const benchEntries = ['bench/run.ts', ...['rows', 'clients'].flatMap((d) => readdirSync(path.join(REPO_ROOT, 'bench', d)).map((f) => `bench/${d}/${f}`))];

describe('benchmarks and the test harness', () => {
  it('import the harness, and neither Vitest nor the log capture', async () => {
    const result = await build({
      entryPoints: benchEntries.map((e) => path.join(REPO_ROOT, e)),
      bundle: true,
      write: false,
      outdir: path.join(REPO_ROOT, 'dist-bench-check'),
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(inputs).toContain('test/support/core-start.ts');
    expect(externals.filter((p) => p === 'vitest' || p.startsWith('vitest/') || p.startsWith('@vitest/'))).toEqual([]);
    expect(inputs.filter((p) => p.startsWith('test/setup/log-capture'))).toEqual([]);
  });
});
