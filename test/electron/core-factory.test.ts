import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCoreFactory } from '../../main/electron/core-factory.js';
import { tempDir } from '../support/temp-dir.js';

function moduleFile(source: string): string {
  const file = path.join(tempDir(), 'create-core.mjs');
  writeFileSync(file, source);
  return pathToFileURL(file).href;
}

describe('core factory loader', () => {
  it('returns the module’s createCoreService', async () => {
    const factory = await loadCoreFactory(moduleFile('export async function createCoreService(o) { return { dataDir: o.dataDir }; }'));
    await expect(factory({ dataDir: '/d', settings: {} as never })).resolves.toEqual({ dataDir: '/d' });
  });

  it('says clearly when the module is missing or exports something else', async () => {
    await expect(loadCoreFactory(pathToFileURL('/nonexistent/create-core.js').href)).rejects.toThrow(/could not be loaded/);
    await expect(loadCoreFactory(moduleFile('export const other = 1;'))).rejects.toThrow(/does not export createCoreService/);
  });
});
