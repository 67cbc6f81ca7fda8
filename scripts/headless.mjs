/**
 * `npm run headless -- [flags]`: start headless mode from its compiled bundle (dist/headless/cli.js),
 * rebuilding first only what changed since the last build: the bundle when a source it was built
 * from changed, the window (dist/renderer) when one of its sources did. Checking takes a few
 * `stat` calls (scripts/build-info.mjs); a rebuild runs scripts/build-headless.ts through tsx.
 * Flags are cli.ts's. REPLYLINE_HEADLESS_REBUILD=never skips the check.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { changedInputs } from './build-info.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const cliFile = path.join(dist, 'headless', 'cli.js');

if (process.env.REPLYLINE_HEADLESS_REBUILD !== 'never') {
  const stale = [];
  const renderer = changedInputs(root, path.join(dist, 'renderer-build-info.json'));
  if (renderer.length > 0) stale.push('renderer');
  const headless = changedInputs(root, path.join(dist, 'headless', 'build-info.json'));
  if (headless.length > 0) stale.push('headless');
  if (stale.length > 0) {
    const why = [...renderer, ...headless].slice(0, 3).join(', ');
    process.stderr.write(`replyline headless: building ${stale.join(' and ')} (changed: ${why}${renderer.length + headless.length > 3 ? ', …' : ''})\n`);
    const built = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'build-headless.ts'), ...stale], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (built.status !== 0) {
      process.stderr.write('replyline headless: the build failed\n');
      process.exit(1);
    }
  }
}

const { runCli } = await import(pathToFileURL(cliFile).href);
runCli();
