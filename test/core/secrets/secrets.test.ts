/**
 * The secret store (sealed with the data key, nothing in plain text on disk, refused without a
 * key), headless mode's environment and secrets-file sources (the file's permissions checked),
 * and the view the window gets: names and "set", never a value.
 */
import { chmodSync, promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aesGcmCipher, passphraseKeyWrapper, loadOrCreateDataKey } from '../../../main/core/storage/cipher.js';
import {
  envSecretSource,
  envVarName,
  fileSecretSource,
  SECRET_PRECEDENCE,
  SecretRefused,
  Secrets,
  SecretStore,
  SecretStoreUnavailable,
  SECRETS_FILE,
  SecretsFileError,
} from '../../../main/core/secrets/index.js';
import { ruleSchema } from '../../../main/core/autoreply/index.js';
import { registerSecret } from '../../setup/log-capture.js';
import { tempDir } from '../../support/temp-dir.js';
import { filesHolding } from '../../support/files-holding.js';

const VALUE = 'sk-secret-store-test-0a9b8c7d6e5f';
const OTHER = 'whsec_secret-store-other-1234abcd';
registerSecret(VALUE);
registerSecret(OTHER);

const cipher = () => aesGcmCipher(Buffer.alloc(32, 3));

describe('SecretStore', () => {
  it('keeps a secret across a restart, sealed: no file holds it in plain text, base64 or hex', async () => {
    const dir = tempDir('secrets-');
    const store = await SecretStore.open(dir, cipher());
    await store.set('openai', VALUE);
    await store.set('hook', OTHER);
    expect(await filesHolding(dir, VALUE)).toEqual([]);
    expect(await filesHolding(dir, OTHER)).toEqual([]);
    expect((await fs.stat(path.join(dir, SECRETS_FILE))).mode & 0o077).toBe(0);

    const again = await SecretStore.open(dir, cipher());
    expect(again.names()).toEqual(['hook', 'openai']);
    expect(again.get('openai')).toBe(VALUE);
    expect(await again.remove('openai')).toBe(true);
    expect(await again.remove('openai')).toBe(false);
    expect((await SecretStore.open(dir, cipher())).names()).toEqual(['hook']);
  });

  it('the data key comes from the key wrapper: another keychain cannot open it, and the file is set aside', async () => {
    const dir = tempDir('secrets-');
    const first = await loadOrCreateDataKey(path.join(dir, 'data.key'), passphraseKeyWrapper(Buffer.alloc(32, 1)));
    await (await SecretStore.open(dir, first)).set('openai', VALUE);
    const stranger = await SecretStore.open(dir, aesGcmCipher(Buffer.alloc(32, 9)));
    expect(stranger.names()).toEqual([]);
    expect((await fs.readdir(dir)).some((n) => n.startsWith(`${SECRETS_FILE}.corrupt-`))).toBe(true);
  });

  it('without a key it keeps nothing and writes nothing', async () => {
    const dir = tempDir('secrets-');
    const store = await SecretStore.open(dir, undefined);
    expect(store.available).toBe(false);
    await expect(store.set('openai', VALUE)).rejects.toBeInstanceOf(SecretStoreUnavailable);
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe('headless sources', () => {
  it('environment: REPLYLINE_SECRET_<NAME>, upper case, other characters as _', () => {
    expect(envVarName('openai-main')).toBe('REPLYLINE_SECRET_OPENAI_MAIN');
    expect(envVarName(' hook.v2 ')).toBe('REPLYLINE_SECRET_HOOK_V2');
    const env = envSecretSource({ REPLYLINE_SECRET_OPENAI_MAIN: VALUE, REPLYLINE_SECRET_: 'x', REPLYLINE_SECRET_EMPTY: '', PATH: '/bin' });
    expect(env.get('openai-main')).toBe(VALUE);
    expect(env.get('OPENAI_MAIN')).toBe(VALUE);
    expect(env.get('empty')).toBeUndefined();
    expect(env.names()).toEqual(['OPENAI_MAIN']);
  });

  it('a private secrets file is read', async () => {
    const file = path.join(tempDir('secrets-file-'), 'secrets.json');
    writeFileSync(file, JSON.stringify({ openai: VALUE, hook: OTHER }), { mode: 0o600 });
    const source = await fileSecretSource(file);
    expect(source.get('openai')).toBe(VALUE);
    expect(source.names()).toEqual(['hook', 'openai']);
  });

  const refusals: Array<[string, (file: string) => void, RegExp]> = [
    ['readable by others', (f) => chmodSync(f, 0o644), /can be read or changed by other users \(mode 644\); make it private with: chmod 600 /],
    ['readable by the group', (f) => chmodSync(f, 0o640), /mode 640/],
    ['not JSON', (f) => writeFileSync(f, 'OPENAI=sk-1', { mode: 0o600 }), /is not valid JSON/],
    ['not an object of texts', (f) => writeFileSync(f, '{"openai": 42}', { mode: 0o600 }), /one JSON object of names to non-empty text values/],
  ];
  for (const [what, spoil, message] of refusals) {
    it.skipIf(process.platform === 'win32' && what.startsWith('readable'))(`refused when ${what}, saying why`, async () => {
      const file = path.join(tempDir('secrets-file-'), 'secrets.json');
      writeFileSync(file, JSON.stringify({ openai: VALUE }), { mode: 0o600 });
      spoil(file);
      const err = await fileSecretSource(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretsFileError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(VALUE);
    });
  }

  it('refused when missing or a folder', async () => {
    const dir = tempDir('secrets-file-');
    await expect(fileSecretSource(path.join(dir, 'nope.json'))).rejects.toThrow(/cannot be read/);
    await expect(fileSecretSource(dir)).rejects.toThrow(/not a regular file/);
  });
});

describe('Secrets: what the window sees and may change', () => {
  const rules = [
    ruleSchema.parse({ id: 'a', name: 'AI', match: { type: 'any' }, reply: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', apiKeyRef: 'openai' } }),
    ruleSchema.parse({ id: 'b', name: 'Hook', match: { type: 'any' }, reply: { type: 'webhook', url: 'http://127.0.0.1:1/', secretRef: 'hook' } }),
  ];

  it('lists the names rules use, stored names and outside names, with set/not set and never a value', async () => {
    const store = await SecretStore.open(tempDir('secrets-'), cipher());
    const secrets = new Secrets({ store, external: [envSecretSource({ REPLYLINE_SECRET_HOOK: OTHER, REPLYLINE_SECRET_EXTRA: 'extra-value-1' })] });
    await secrets.set('openai', VALUE, rules);
    await store.set('spare', 'spare-value-1');
    const view = secrets.view(rules);
    expect(view).toEqual({
      canStore: true,
      secrets: [
        { name: 'EXTRA', set: true, source: 'environment', usedBy: [] },
        { name: 'hook', set: true, source: 'environment', usedBy: ['Hook'] },
        { name: 'openai', set: true, source: 'stored', usedBy: ['AI'] },
        { name: 'spare', set: true, source: 'stored', usedBy: [] },
      ],
    });
    expect(JSON.stringify(view)).not.toContain(VALUE);
    expect(await secrets.get('hook')).toBe(OTHER);
    expect(await secrets.get('openai')).toBe(VALUE);
    expect(secrets.values().sort()).toEqual([OTHER, VALUE, 'extra-value-1', 'spare-value-1'].sort());
  });

  it('an outside secret cannot be replaced or removed from the window; it says where to change it', async () => {
    const store = await SecretStore.open(tempDir('secrets-'), cipher());
    const secrets = new Secrets({ store, external: [envSecretSource({ REPLYLINE_SECRET_HOOK: OTHER })] });
    await expect(secrets.set('hook', VALUE, rules)).rejects.toThrow(/environment variable REPLYLINE_SECRET_HOOK; change it there/);
    await expect(secrets.remove('hook')).rejects.toBeInstanceOf(SecretRefused);
    await expect(secrets.remove('nothing')).rejects.toThrow(/No secret named “nothing” is stored/);
  });

  it('one name in several places: the environment wins, then the file, then the stored value, whatever order the sources come in; the list says which is used and which are not', async () => {
    const dir = tempDir('secrets-');
    const store = await SecretStore.open(dir, cipher());
    await store.set('openai', 'stored-openai-value-1');
    await store.set('hook', 'stored-hook-value-1');
    await store.set('spare', 'stored-spare-value-1');
    const file = path.join(tempDir('secrets-file-'), 'secrets.json');
    writeFileSync(file, JSON.stringify({ openai: 'file-openai-value-1', hook: OTHER }), { mode: 0o600 });
    // The file is passed first: the order is SECRET_PRECEDENCE's, not the caller's.
    const external = [await fileSecretSource(file), envSecretSource({ REPLYLINE_SECRET_OPENAI: VALUE })];
    const secrets = new Secrets({ store, external });
    expect(SECRET_PRECEDENCE).toEqual(['environment', 'file', 'stored']);
    expect(await secrets.get('openai')).toBe(VALUE);
    expect(await secrets.get('hook')).toBe(OTHER);
    expect(await secrets.get('spare')).toBe('stored-spare-value-1');
    expect(secrets.view(rules).secrets).toEqual([
      { name: 'hook', set: true, source: 'file', overridden: ['stored'], usedBy: ['Hook'] },
      { name: 'openai', set: true, source: 'environment', overridden: ['file', 'stored'], usedBy: ['AI'] },
      { name: 'spare', set: true, source: 'stored', usedBy: [] },
    ]);

    // A value the window could enter would not be used: refused, saying where the one in use comes from.
    await expect(secrets.set('hook', 'another-hook-value-1', rules)).rejects.toThrow('“hook” comes from the secrets file; change it there and restart.');
    // The stored value the file overrides can be removed; the file's stays in use.
    await secrets.remove('hook');
    expect(store.has('hook')).toBe(false);
    expect(secrets.view(rules).secrets.find((s) => s.name === 'hook')).toEqual({ name: 'hook', set: true, source: 'file', usedBy: ['Hook'] });
    await expect(secrets.remove('hook')).rejects.toThrow(/comes from the secrets file; remove it there/);
  });

  it('without a key: nothing can be stored, and the note says what to do instead', async () => {
    const store = await SecretStore.open(tempDir('secrets-'), undefined);
    const secrets = new Secrets({ store, unavailableNote: 'Use REPLYLINE_SECRET_<NAME>.' });
    expect(secrets.view(rules)).toEqual({
      canStore: false,
      note: 'Use REPLYLINE_SECRET_<NAME>.',
      secrets: [
        { name: 'hook', set: false, source: 'none', usedBy: ['Hook'] },
        { name: 'openai', set: false, source: 'none', usedBy: ['AI'] },
      ],
    });
    await expect(secrets.set('openai', VALUE, rules)).rejects.toThrow('Use REPLYLINE_SECRET_<NAME>.');
  });
});
