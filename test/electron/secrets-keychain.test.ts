/**
 * The desktop app's secrets: the core as main.ts creates it — with the safeStorage key wrapper
 * (the faked `electron`) — keeps a key entered in the window sealed with the data key that the OS
 * keychain protects, the same wrapping as the session; it is there after a restart, and gone
 * (shown as "not set", no crash) when the keychain can no longer open the data key.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoreService, type Core } from '../../main/core/app/create-core.js';
import { createSafeStorageKeyWrapper } from '../../main/electron/safe-storage-key-wrapper.js';
import { registerSecret } from '../setup/log-capture.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron, safeStorage } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const KEY = 'sk-proj-desktop-keychain-31415926';
registerSecret(KEY);

const cores: Core[] = [];
beforeEach(() => resetFakeElectron());
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

async function desktopCore(dataDir: string): Promise<Core> {
  const core = await createCoreService({ dataDir, keyWrapper: await createSafeStorageKeyWrapper('linux'), autoStart: false });
  cores.push(core);
  return core;
}

describe('secrets in the desktop app', () => {
  it('a key is sealed with the keychain-wrapped data key and is there after a restart', async () => {
    const dataDir = tempDir('desktop-secrets-');
    const core = await desktopCore(dataDir);
    expect(await core.handle('listSecrets', undefined)).toEqual({ ok: true, value: { canStore: true, secrets: [] } });
    expect(await core.handle('setSecret', { name: 'openai', value: KEY })).toMatchObject({ ok: true, value: { name: 'openai', set: true } });
    expect(safeStorage.encryptStringAsync).toHaveBeenCalled();
    await core.close();
    cores.length = 0;
    for (const name of await fs.readdir(dataDir, { recursive: true })) {
      const file = path.join(dataDir, name);
      if ((await fs.stat(file)).isFile()) expect((await fs.readFile(file)).includes(KEY), name).toBe(false);
    }

    const again = await desktopCore(dataDir);
    expect(await again.handle('listSecrets', undefined)).toEqual({
      ok: true,
      value: { canStore: true, secrets: [{ name: 'openai', set: true, source: 'stored', usedBy: [] }] },
    });
    expect(await again.secrets.get('openai')).toBe(KEY);
  });

  it('when the keychain cannot open the data key, the secret is "not set" and the app still starts', async () => {
    const dataDir = tempDir('desktop-secrets-');
    const core = await desktopCore(dataDir);
    await core.handle('setSecret', { name: 'openai', value: KEY });
    await core.close();
    cores.length = 0;
    // Another keychain (a new OS user profile, a reset keyring): the wrapped data key is unreadable.
    await fs.writeFile(path.join(dataDir, 'data.key'), Buffer.concat([Buffer.from([0x01]), Buffer.from('async1:not-this-keychain')]));
    const again = await desktopCore(dataDir);
    expect(await again.secrets.get('openai')).toBeUndefined();
    expect(await again.handle('listSecrets', undefined)).toEqual({ ok: true, value: { canStore: true, secrets: [] } });
  });
});
