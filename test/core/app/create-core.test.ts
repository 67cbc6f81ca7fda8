import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createCoreService, type Core } from '../../../main/core/app/create-core.js';
import { SessionLockedError } from '../../../main/core/connection/session-lock.js';
import { tempDir } from '../../support/temp-dir.js';

const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

it('a second core on the same data folder is refused before it touches any file', async () => {
  const dataDir = tempDir();
  const first = await createCoreService({ dataDir, autoStart: false });
  cores.push(first);
  await first.history.add({ at: 1, state: 'stopped', meaning: 'x' });
  // A torn tail: any process that opens the history log would cut it off.
  const historyFile = path.join(dataDir, 'history.log');
  appendFileSync(historyFile, Buffer.from([0, 0, 0, 99, 1, 2]));
  const before = readFileSync(historyFile);

  const err = await createCoreService({ dataDir, autoStart: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SessionLockedError);
  expect(readFileSync(historyFile).equals(before)).toBe(true);
});

it('answers a malformed command with a typed rejection, not a throw', async () => {
  const core = await createCoreService({ dataDir: tempDir(), autoStart: false });
  cores.push(core);
  const r = await core.handle('setAutoReply', { enabled: 'yes' });
  expect(r).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
  const unknown = await core.handle('dropTables' as never, {});
  expect(unknown).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
  expect((await core.handle('getSnapshot', undefined)).ok).toBe(true);
});
