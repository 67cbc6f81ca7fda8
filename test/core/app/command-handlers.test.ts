import { afterEach, expect, it } from 'vitest';
import { createCoreService, type Core } from '../../../main/core/app/create-core.js';
import { tempDir } from '../../support/temp-dir.js';

const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

async function core(): Promise<Core> {
  const c = await createCoreService({ dataDir: tempDir(), autoStart: false });
  cores.push(c);
  return c;
}

it('exports the reconnect history as CSV, oldest first, with the reply log’s cell rules', async () => {
  const c = await core();
  await c.history.add({ at: Date.UTC(2025, 0, 2), state: 'reconnecting', cause: 'connection-lost', code: 408, meaning: 'The connection was lost', attempt: 1, delayMs: 1500 });
  await c.history.add({ at: Date.UTC(2025, 0, 3), state: 'open', meaning: '=cmd|"/c calc"!A1, then, "quoted"', outageMs: 60_000, recoveredBy: 'backoff' });
  const r = await c.handle('exportHistory', undefined);
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  const lines = r.value.split('\r\n');
  expect(lines[0]).toBe('time,state,cause,code,meaning,attempt,delay_ms,outage_ms,recovered_by');
  // The history is listed newest first; the CSV reads oldest first.
  expect(lines[1]).toBe('2025-01-02T00:00:00.000Z,reconnecting,connection-lost,408,The connection was lost,1,1500,,');
  // A formula-looking cell gets an apostrophe; one with a comma or quote is quoted, quotes doubled.
  expect(lines[2]).toBe(`2025-01-03T00:00:00.000Z,open,,,"'=cmd|""/c calc""!A1, then, ""quoted""",,,60000,backoff`);
  expect(lines.at(-1)).toBe('');
});

it('answers getHistory with the plain meaning of each cause it counts', async () => {
  const c = await core();
  await c.history.add({ at: Date.now(), state: 'reconnecting', cause: 'service-unavailable', code: 503, meaning: 'x' });
  const r = await c.handle('getHistory', { limit: 5 });
  expect(r).toMatchObject({
    ok: true,
    value: { countsByCause: { 'service-unavailable': 1 }, causeMeanings: { 'service-unavailable': 'WhatsApp was temporarily unavailable' } },
  });
});

it('refuses with the handler’s typed error, and turns anything else into internal', async () => {
  const c = await core();
  expect(await c.handle('useHere', undefined)).toEqual({
    ok: false,
    error: { kind: 'not-allowed-now', message: 'WhatsApp is not open elsewhere right now.', details: undefined },
  });
  expect(await c.handle('sendMissed', { id: 'nope' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  const rules = await c.handle('setRules', { rules: [{}] });
  expect(rules).toMatchObject({ ok: false, error: { kind: 'invalid-rules', message: 'Some rules need fixing before they can be saved.' } });
  expect(!rules.ok && rules.error.details?.length).toBeGreaterThan(0);
});

it('checks the payload the same way for every command: plain data, then the schema', async () => {
  const c = await core();
  expect(await c.handle('setAutoReply', new Date() as never)).toMatchObject({
    ok: false,
    error: { kind: 'invalid-payload', details: [{ path: '', message: 'expected plain data' }] },
  });
  const many = await c.handle('setRules', { rules: new Array(101).fill({}) });
  expect(many).toMatchObject({ ok: false, error: { kind: 'invalid-payload', details: [{ path: 'rules', message: 'there are too many rules (at most 100)' }] } });
});
