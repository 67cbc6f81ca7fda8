/**
 * Headless encryption with a key file: `--key-file PATH` (or REPLYLINE_KEY_FILE) supplies the
 * data-key wrapping, so a server install keeps its session encrypted; a key file others can read
 * is refused; a folder encrypted that way is never opened (and so never set aside) without it.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Snapshot } from '../../main/contract/api.js';
import { keyFileWrapper, KeyFileError } from '../../main/headless/key-file.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { headlessArgs, HeadlessProcess, runCli } from '../support/headless-process.js';
import { writeKeyFile } from '../support/key-file.js';


describe.skipIf(process.platform === 'win32')('the key file', () => {
  it('wraps and unwraps the data key; the same file opens what it sealed, another does not', async () => {
    const file = writeKeyFile(0o600);
    const wrapper = await keyFileWrapper(file);
    expect(wrapper.strength).toBe('key-file');
    const key = randomBytes(32);
    const sealed = await wrapper.wrap(key);
    expect(sealed.includes(key)).toBe(false);
    expect((await (await keyFileWrapper(file)).unwrap(sealed)).key.equals(key)).toBe(true);
    await expect((await keyFileWrapper(writeKeyFile(0o600))).unwrap(sealed)).rejects.toThrow();
  });

  it('refuses a key file that other users can read, a missing one and an empty one, in plain words', async () => {
    const open = writeKeyFile(0o644);
    const err = await keyFileWrapper(open).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyFileError);
    expect((err as KeyFileError).userMessage).toMatch(/Other users can read/);
    expect((err as KeyFileError).userMessage).toContain(`chmod 600 ${open}`);
    await expect(keyFileWrapper(path.join(tempDir(), 'missing.key'))).rejects.toThrow(/could not be read/);
    const empty = path.join(tempDir(), 'empty.key');
    writeFileSync(empty, '\n', { mode: 0o600 });
    await expect(keyFileWrapper(empty)).rejects.toThrow(/too short/);
  });
});

describe.skipIf(process.platform === 'win32')('headless mode with --key-file', () => {
  let server: FakeWaServer;
  beforeAll(async () => {
    server = await startFakeWa();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps the session encrypted and says so; refuses to open that folder without the key', async () => {
    const dataDir = tempDir('headless-key-');
    const file = writeKeyFile(0o600);
    const hp = await HeadlessProcess.start({ dataDir, server, extraArgs: ['--key-file', file] });
    const state = await hp.ok<Snapshot>('GET', '/api/state');
    expect(state.encryption).toBe('key-file');
    expect(existsSync(path.join(dataDir, 'session', 'session.key'))).toBe(true);
    expect(await hp.stop()).toBe(0);

    // The environment variable works the same way.
    const viaEnv = await HeadlessProcess.start({ dataDir, server, env: { REPLYLINE_KEY_FILE: file } });
    expect((await viaEnv.ok<Snapshot>('GET', '/api/state')).encryption).toBe('key-file');
    expect(await viaEnv.stop()).toBe(0);

    // Without the key: a plain refusal, and the encrypted session is left as it is.
    const without = await runCli(headlessArgs({ dataDir, server }));
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/encrypted.*--key-file/s);
    expect(existsSync(path.join(dataDir, 'session', 'session.key'))).toBe(true);
  });

  it('refuses a key file others can read before it touches the data folder', async () => {
    const dataDir = tempDir('headless-key-open-');
    const r = await runCli(['--json', '--data-dir', dataDir, '--key-file', writeKeyFile(0o644)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Other users can read/);
    expect(r.stdout).toBe('');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('without a key file the window keeps saying the session is not encrypted', async () => {
    const hp = await HeadlessProcess.start({ dataDir: tempDir('headless-plain-'), server });
    expect((await hp.ok<Snapshot>('GET', '/api/state')).encryption).toBe('none');
    expect(await hp.stop()).toBe(0);
  });
});
