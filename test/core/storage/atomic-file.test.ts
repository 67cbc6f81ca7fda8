/** Whole-file writes are all-or-nothing; damaged files are renamed aside; crash leftovers go. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarantineFile, removeStaleTempFiles, writeFileAtomic } from '../../../main/core/storage/atomic-file.js';
import { tempDir } from '../../support/temp-dir.js';

describe('atomic files', () => {
  it('replaces a file whole and leaves no temp file behind', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'creds');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, Buffer.from('two'));
    expect(await fs.readFile(file, 'utf8')).toBe('two');
    expect(await fs.readdir(dir)).toEqual(['creds']);
    expect((await fs.stat(file)).mode & 0o077).toBe(0);
  });

  it('quarantines a file under a dated name', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'creds');
    await fs.writeFile(file, 'damaged');
    const aside = await quarantineFile(file, Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    expect(path.basename(aside)).toBe('creds.corrupt-2024-01-02T03-04-05-006Z');
    expect(await fs.readFile(aside, 'utf8')).toBe('damaged');
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('removes only stale temp files', async () => {
    const dir = tempDir();
    for (const n of ['.creds.ab12.tmp', '.keys.log.ff00.tmp', 'keep.tmp', '.keep', 'creds']) await fs.writeFile(path.join(dir, n), 'x');
    await removeStaleTempFiles(dir);
    expect((await fs.readdir(dir)).sort()).toEqual(['.keep', 'creds', 'keep.tmp']);
    await removeStaleTempFiles(path.join(dir, 'missing')); // no folder: nothing to do
  });
});
