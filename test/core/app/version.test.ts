/** One version, from package.json, wherever the app says which version it is. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createCoreService, type Core } from '../../../main/core/app/create-core.js';
import { APP_VERSION } from '../../../main/core/app/version.js';
import { tempDir } from '../../support/temp-dir.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version: string }).version;

const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

it('the core reports the package.json version unless the shell passes its own', async () => {
  expect(APP_VERSION).toBe(PACKAGE_VERSION);
  const core = await createCoreService({ dataDir: tempDir(), autoStart: false });
  cores.push(core);
  expect(core.snapshot().version).toBe(PACKAGE_VERSION);
  const snap = await core.handle('getSnapshot', undefined);
  expect(snap.ok && snap.value.version).toBe(PACKAGE_VERSION);

  const shell = await createCoreService({ dataDir: tempDir(), autoStart: false, version: '3.2.1' });
  cores.push(shell);
  expect(shell.snapshot().version).toBe('3.2.1');
});
