/**
 * Bad input: every contract command, through every door — (a) `core.handle`, (b) the Electron IPC
 * registrar (main/electron/ipc.ts, with the fake `electron`), (c) the headless HTTP server (the
 * RPC route and every REST route, plus bodies, content types, static paths, tokens, Host/Origin) —
 * fed malformed, oversized and hostile payloads (battery.ts). Each must be refused with a typed
 * error ({ ok: false, error: { kind: 'invalid-payload' | 'invalid-rules' } }, or a 4xx JSON body
 * over HTTP), the core must still answer afterwards, and nothing may be written.
 *
 * "Nothing written" is checked after EVERY call against a snapshot of the data folder taken before
 * the battery: each file's name, size, mtime and inode, and the SHA-256 of the JSON files
 * (settings.json holds the settings, the switch and the rules). Left out, on purpose: `session/`
 * (Baileys saves creds and signal keys on its own schedule — pre-key uploads, routing info,
 * sessions — whatever the window asks; the lock file lives there too). Everything else is in:
 * settings.json (settings, auto-reply switch, rules), data.key, the outbox, reply log, inbound
 * and missed logs, and history.log — the link stays open and idle through the battery (checked),
 * so the history has nothing to record. A write shows up at the call that made it or, if it lands
 * late, at the next one; either way the run fails and names the call.
 *
 * The core is a real, paired one (createCoreService against the fake WhatsApp server), and at the
 * end it still answers a new message.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandSchemas, DEFAULT_SETTINGS, IPC_COMMAND_PREFIX, type CommandName, type Result } from '../../main/contract/api.js';
import type { Core } from '../../main/core/app/create-core.js';
import { setupIpc } from '../../main/electron/ipc.js';
import { startHeadlessServer, type HeadlessServer } from '../../main/headless/http-server.js';
import type { FakeWaServer } from '../fake-wa/index.js';
import { FakeBrowserWindow, FakeFrame, ipcMain, resetFakeElectron } from '../electron/support/fake-electron.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { echoRule, expectDeliveredOnce, pairCore, say, startCore, useRules, waitForReply } from '../support/core-harness.js';
import { battery, classInstances, hostileRules, jsonFaithful, MAX_DATE_MS, SPEC, type Payload } from './battery.js';

vi.mock('electron', () => import('../electron/support/fake-electron.js'));

const COMMANDS = Object.keys(commandSchemas) as CommandName[];
const TOKEN = 'bad-input-token-0123456789abcdef';
const APP_PAGE = 'replyline://app/index.html';

let wa: FakeWaServer;
let core: Core;
let dataDir: string;
let http: HeadlessServer;
let staticDir: string;
const SECRET = 'TOP-SECRET-OUTSIDE-THE-STATIC-FOLDER';
let socketId: number;
/** Commands the IPC registrar passed on to the core. */
const reachedCore: string[] = [];
let ipcFrom: { sender: FakeBrowserWindow['webContents']; senderFrame: FakeFrame | null };
let disposeIpc: () => void;
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

// ---- the data folder ------------------------------------------------------------------------

type DirSnapshot = Record<string, string>;

async function snapshotDataDir(dir = dataDir, sub = ''): Promise<DirSnapshot> {
  const out: DirSnapshot = {};
  for (const entry of await fs.readdir(path.join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (rel === 'session') continue; // Baileys' own writes; see the header
    if (entry.isDirectory()) {
      Object.assign(out, await snapshotDataDir(dir, rel));
      continue;
    }
    const file = path.join(dir, rel);
    try {
      const st = await fs.stat(file);
      // Contents too for the JSON files (settings, switch, rules, cooldowns): an atomic rewrite with
      // the same size is still caught by the new inode and mtime, a same-size edit by the hash.
      const hash = rel.endsWith('.json') ? `, sha256 ${createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 16)}` : '';
      out[rel] = `${st.size} bytes, mtime ${st.mtimeMs}, inode ${st.ino}${hash}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      out[rel] = 'being written (gone by the time it was read)';
    }
  }
  return out;
}

/** Runs the calls, checking the data folder after each; returns what went wrong, in words. */
class Watch {
  readonly problems: string[] = [];
  private accepted = false;
  private constructor(private readonly baseline: DirSnapshot) {}

  static async start(): Promise<Watch> {
    return new Watch(await snapshotDataDir());
  }

  refused(label: string, ok: boolean, got: unknown): void {
    this.accepted = !ok;
    if (!ok) this.problems.push(`${label}: not refused as it should be: ${typeof got === 'string' ? got : brief(got)}`);
  }

  async unchanged(label: string): Promise<void> {
    // A call that got through may write a moment later: let that land here, not at the next call.
    if (this.accepted) await settle();
    const now = await snapshotDataDir();
    const changed = diff(this.baseline, now);
    if (changed.length > 0) {
      this.problems.push(`${label}: the data folder changed: ${changed.join('; ')}`);
      // Report each write once.
      Object.assign(this.baseline, now);
      for (const k of Object.keys(this.baseline)) if (!(k in now)) delete this.baseline[k];
    }
  }
}

function diff(a: DirSnapshot, b: DirSnapshot): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] !== b[k]) out.push(`${k}: ${a[k] ?? 'absent'} → ${b[k] ?? 'absent'}`);
  }
  return out;
}

function brief(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function isRefusal(r: Result<unknown>, kinds: string[] = ['invalid-payload']): boolean {
  return r.ok === false && kinds.includes(r.error.kind) && typeof r.error.message === 'string' && r.error.message.length > 0;
}

const withArgs = (p: Payload): string => p.label;

// ---- HTTP -----------------------------------------------------------------------------------

interface HttpReply {
  status: number;
  type: string;
  text: string;
  json?: { ok?: boolean; error?: { kind?: string; message?: string } };
  error?: string;
}

function send(
  method: string,
  pathname: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null; chunked?: boolean } = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${http.port}`,
    ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? TOKEN}` }),
    ...(opts.body !== undefined && !opts.chunked ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
    ...(opts.body !== undefined && opts.chunked ? { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } : {}),
    ...opts.headers,
  };
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HttpReply) => {
      if (!settled) resolve(r);
      settled = true;
    };
    // A fresh connection each time (agent: false): one the server gave up on must not be reused.
    const req = request({ host: '127.0.0.1', port: http.port, method, path: pathname, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: HttpReply['json'];
        try {
          json = JSON.parse(text) as HttpReply['json'];
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text, json });
      });
    });
    req.on('error', (err) => done({ status: 0, type: '', text: '', error: (err as NodeJS.ErrnoException).code ?? err.message }));
    if (opts.body !== undefined) {
      if (opts.chunked) {
        // Several chunks, so the server sees the size grow.
        const buf = Buffer.from(opts.body);
        for (let i = 0; i < buf.length; i += 64 * 1024) req.write(buf.subarray(i, i + 64 * 1024));
      } else req.write(opts.body);
    }
    req.end();
  });
}

/** A 4xx with a JSON error body of a known kind. */
function isHttpRefusal(r: HttpReply, statuses: number[] = [400], kinds?: string[]): boolean {
  return (
    statuses.includes(r.status) &&
    r.type.startsWith('application/json') &&
    typeof r.json?.error?.kind === 'string' &&
    (kinds === undefined || kinds.includes(r.json.error.kind)) &&
    typeof r.json.error.message === 'string'
  );
}

const show = (r: HttpReply) => (r.error ? `connection error ${r.error}` : `${r.status} ${r.type} ${r.text.slice(0, 200)}`);

// ---- setup ----------------------------------------------------------------------------------

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  wa = await startFakeWa();
  dataDir = tempDir('bad-input-');
  core = await startCore(wa, dataDir);
  await pairCore(wa, core);
  await useRules(core, [echoRule()]);
  socketId = core.controller.currentSocket()!.id;

  resetFakeElectron();
  const win = new FakeBrowserWindow({});
  win.webContents.mainFrame.url = APP_PAGE;
  disposeIpc = setupIpc({
    core: {
      handle: (command, args) => {
        reachedCore.push(command);
        return core.handle(command, args);
      },
      on: (event, listener) => core.on(event, listener),
    },
    getWindow: () => win as unknown as Electron.BrowserWindow,
  });
  ipcFrom = { sender: win.webContents, senderFrame: win.webContents.mainFrame };

  const root = tempDir('bad-input-static-');
  staticDir = path.join(root, 'static');
  await fs.mkdir(path.join(staticDir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Replyline</title>');
  await fs.writeFile(path.join(root, 'secret.txt'), SECRET);
  await fs.mkdir(path.join(root, 'static-evil'));
  await fs.writeFile(path.join(root, 'static-evil', 'secret.txt'), SECRET);
  http = await startHeadlessServer({ core, token: TOKEN, staticDir });

  // Let the writes of pairing and of the rules land before the first baseline is taken.
  await settle();
}, 30_000);

afterAll(async () => {
  disposeIpc?.();
  await http?.close();
  await core?.close();
  await wa?.close();
});

/**
 * A call the core wrongly accepted may have changed what it holds (a pause, a switch, settings):
 * put it back after each test, so one finding does not turn into failures further on, and let
 * those writes land before the next test takes its baseline.
 */
afterEach(async () => {
  let restored = false;
  const snap = core.snapshot().autoReply;
  if (!snap.enabled || snap.pausedUntil !== undefined) {
    await core.handle('pauseAutoReply', { until: null });
    await core.handle('setAutoReply', { enabled: true });
    restored = true;
  }
  const settings = await core.handle('getSettings', undefined);
  if (settings.ok && JSON.stringify(settings.value) !== JSON.stringify(DEFAULT_SETTINGS)) {
    await core.handle('updateSettings', { ...DEFAULT_SETTINGS });
    restored = true;
  }
  const rules = await core.handle('getRules', undefined);
  if (!rules.ok || rules.value.rules.length !== 1) {
    await useRules(core, [echoRule()]);
    restored = true;
  }
  if (restored) await settle();
});

/** Waits until the data folder stops changing (async writes landed). */
async function settle(): Promise<void> {
  let before = await snapshotDataDir();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await snapshotDataDir();
    if (diff(before, now).length === 0) return;
    before = now;
  }
}

function expectStillWell(): void {
  // The link stayed up and idle (so history.log had nothing to record), and nobody polluted a prototype.
  expect(core.controller.state.kind).toBe('open');
  expect(core.controller.currentSocket()?.id).toBe(socketId);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

it('the battery covers exactly the contract commands', () => {
  expect(Object.keys(SPEC).sort()).toEqual([...COMMANDS].sort());
});

// ---- (a) core.handle ------------------------------------------------------------------------

describe('(a) core.handle', () => {
  it.each(COMMANDS)('%s: refuses every hostile payload, writes nothing', async (command) => {
    const watch = await Watch.start();
    for (const p of battery(command)) {
      const r = await core.handle(command, p.args);
      watch.refused(withArgs(p), isRefusal(r), r);
      await watch.unchanged(withArgs(p));
    }
    expect(watch.problems).toEqual([]);
    expect((await core.handle('getSnapshot', undefined)).ok).toBe(true);
    expectStillWell();
  });

  it('setRules: hostile rules are refused with a message per problem, nothing stored', async () => {
    const watch = await Watch.start();
    const before = await core.handle('getRules', undefined);
    for (const p of hostileRules()) {
      const r = await core.handle('setRules', p.args);
      watch.refused(p.label, isRefusal(r, ['invalid-payload', 'invalid-rules']) && (r.ok || (r.error.details?.length ?? 0) > 0), r);
      await watch.unchanged(p.label);
    }
    expect(watch.problems).toEqual([]);
    expect(await core.handle('getRules', undefined)).toEqual(before);
    expectStillWell();
  });

  it('class instances (Date, Map, Set, RegExp) where a plain object belongs are refused, for every command', async () => {
    const watch = await Watch.start();
    for (const command of COMMANDS) {
      for (const p of classInstances(command)) {
        const r = await core.handle(command, p.args);
        watch.refused(`${command} ${p.label}`, isRefusal(r), r);
        await watch.unchanged(`${command} ${p.label}`);
      }
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('unknown and inherited command names are refused', async () => {
    const watch = await Watch.start();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'getsnapshot', '', 'x'.repeat(100_000)]) {
      const r = await core.handle(name as CommandName, undefined);
      watch.refused(`command ${name.slice(0, 20)}`, isRefusal(r), r);
      await watch.unchanged(name.slice(0, 20));
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });
});

// ---- (b) the IPC registrar ------------------------------------------------------------------

const NOT_CLONEABLE = Symbol('not cloneable');
/** What Electron's IPC makes of an argument (structured clone), or NOT_CLONEABLE when the renderer could not send it. */
function clone(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return NOT_CLONEABLE;
  }
}

describe('(b) the Electron IPC registrar', () => {
  const invoke = (command: string, args: unknown) =>
    ipcMain.invoke(IPC_COMMAND_PREFIX + command, ipcFrom, args) as Promise<Result<unknown>>;

  it.each(COMMANDS)('%s: refuses every hostile payload before the core, writes nothing', async (command) => {
    const watch = await Watch.start();
    reachedCore.length = 0;
    for (const p of battery(command)) {
      // What the renderer can send at all: Electron structured-clones every invoke argument.
      const sent = clone(p.args);
      if (sent === NOT_CLONEABLE) continue;
      const r = await invoke(command, sent);
      watch.refused(withArgs(p), isRefusal(r), r);
      await watch.unchanged(withArgs(p));
    }
    expect(watch.problems).toEqual([]);
    expect(reachedCore, 'malformed payloads must not reach the core').toEqual([]);
    expect(await invoke('getSnapshot', undefined)).toMatchObject({ ok: true, value: { state: { kind: 'open' } } });
    expectStillWell();
  });

  it('setRules: hostile rules pass the registrar (rules are the engine’s to judge) and the core refuses them', async () => {
    const watch = await Watch.start();
    for (const p of hostileRules()) {
      const sent = clone(p.args);
      if (sent === NOT_CLONEABLE) continue;
      const r = await invoke('setRules', sent);
      watch.refused(p.label, isRefusal(r, ['invalid-payload', 'invalid-rules']), r);
      await watch.unchanged(p.label);
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('class instances (Date, Map, Set, RegExp), which structured clone carries as such, are refused for every command', async () => {
    const watch = await Watch.start();
    reachedCore.length = 0;
    for (const command of COMMANDS) {
      for (const p of classInstances(command)) {
        const r = await invoke(command, structuredClone(p.args));
        watch.refused(`${command} ${p.label}`, isRefusal(r), r);
        await watch.unchanged(`${command} ${p.label}`);
      }
    }
    expect(watch.problems).toEqual([]);
    expect(reachedCore, 'malformed payloads must not reach the core').toEqual([]);
    expectStillWell();
  });

  it('has no handler for inherited or unknown names, and refuses a foreign frame whatever it sends', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(ipcMain.handlers.has(IPC_COMMAND_PREFIX + name)).toBe(false);
    }
    reachedCore.length = 0;
    const foreign = { sender: ipcFrom.sender, senderFrame: new FakeFrame('https://evil.example/') };
    for (const p of battery('setAutoReply').slice(0, 10)) {
      const sent = clone(p.args);
      if (sent === NOT_CLONEABLE) continue;
      const r = (await ipcMain.invoke(IPC_COMMAND_PREFIX + 'setAutoReply', foreign, sent)) as Result<unknown>;
      expect(r).toMatchObject({ ok: false, error: { kind: 'forbidden-sender' } });
    }
    expect(reachedCore).toEqual([]);
    expectStillWell();
  });
});

// ---- (c) the headless HTTP server -----------------------------------------------------------

describe('(c) the headless HTTP server', () => {
  /** The body as HTTP would carry the payload, or undefined when JSON cannot. */
  const body = (p: Payload): string | undefined | null => (p.args === undefined ? undefined : jsonFaithful(p.args) ? JSON.stringify(p.args) : null);

  it.each(COMMANDS)('POST /api/rpc/%s: refuses every hostile payload, writes nothing', async (command) => {
    const watch = await Watch.start();
    for (const p of battery(command)) {
      const b = body(p);
      if (b === null) continue;
      const r = await send('POST', `/api/rpc/${command}`, { body: b });
      // The RPC route answers 200 with the Result (what the renderer reads), or 413 for a body over 256 KB.
      const ok = (r.status === 200 && r.json?.ok === false && r.json.error?.kind === 'invalid-payload') || isHttpRefusal(r, [413], ['too-large']);
      watch.refused(withArgs(p), ok, show(r));
      await watch.unchanged(withArgs(p));
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  const BODY_ROUTES: Array<[string, string, CommandName]> = [
    ['PUT', '/api/settings', 'updateSettings'],
    ['POST', '/api/autoreply', 'setAutoReply'],
    ['PUT', '/api/rules', 'setRules'],
  ];

  it.each(BODY_ROUTES)('%s %s: refuses every hostile body with a 4xx JSON error, writes nothing', async (method, route, command) => {
    const watch = await Watch.start();
    const payloads = command === 'setRules' ? [...battery(command), ...hostileRules()] : battery(command);
    for (const p of payloads) {
      // PUT /api/rules also takes a bare array of rules (scripts): an empty one is a valid "no rules".
      if (route === '/api/rules' && Array.isArray(p.args) && p.args.length === 0) continue;
      const b = body(p);
      if (b === null) continue;
      const r = await send(method, route, { body: b });
      watch.refused(withArgs(p), isHttpRefusal(r, [400, 413], ['invalid-payload', 'invalid-rules', 'too-large']), show(r));
      await watch.unchanged(withArgs(p));
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('GET /api/replies: refuses a hostile query with 400 JSON', async () => {
    const watch = await Watch.start();
    const queries = [
      'limit=abc',
      'limit=0',
      'limit=10001',
      'limit=1.5',
      'limit=-1',
      'limit=1e400',
      'limit=NaN',
      'limit=5&limit=abc',
      'status=bogus',
      'status=SENT',
      `search=${'x'.repeat(201)}`,
      `contact=${'x'.repeat(201)}`,
      'extra=1',
      'constructor=x',
      'toString=x',
      'hasOwnProperty=x',
      '__proto__=x',
      '__proto__%5Bpolluted%5D=yes',
    ];
    for (const q of queries) {
      const r = await send('GET', `/api/replies?${q}`);
      watch.refused(`?${q.slice(0, 40)}`, isHttpRefusal(r, [400], ['invalid-payload']), show(r));
      await watch.unchanged(q.slice(0, 40));
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('refuses bodies that are not JSON, too large or too deep, with a 4xx JSON error', async () => {
    const watch = await Watch.start();
    const big = JSON.stringify({ enabled: true, pad: 'x'.repeat(300 * 1024) });
    const cases: Array<[string, () => Promise<HttpReply>, number[]]> = [
      ['truncated JSON', () => send('POST', '/api/autoreply', { body: '{"enabled":' }), [400]],
      ['a typo', () => send('POST', '/api/autoreply', { body: '{"enabled":tru}' }), [400]],
      ['trailing garbage', () => send('POST', '/api/autoreply', { body: '{"enabled":false}garbage' }), [400]],
      ['a byte-order mark', () => send('POST', '/api/autoreply', { body: '\uFEFF{"enabled":false}' }), [400]],
      ['invalid UTF-8', () => send('POST', '/api/autoreply', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), [400]],
      ['a NUL byte', () => send('POST', '/api/autoreply', { body: '\u0000' }), [400]],
      ['1e400 (Infinity after parsing)', () => send('POST', '/api/rpc/getSnapshot', { body: '1e400' }), [200]],
      ['JSON 100,000 levels deep', () => send('PUT', '/api/rules', { body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }), [400]],
      ['JSON 100,000 levels deep to RPC', () => send('POST', '/api/rpc/getSnapshot', { body: `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}` }), [200]],
      ['a declared size over 256 KB', () => send('POST', '/api/autoreply', { body: big }), [413]],
      ['a chunked body over 256 KB', () => send('POST', '/api/autoreply', { body: big, chunked: true }), [413]],
      ['a declared size over 256 KB, tiny body', () => send('POST', '/api/autoreply', { body: '{}', headers: { 'content-length': String(10 * 1024 * 1024) } }), [413]],
    ];
    for (const [label, run, statuses] of cases) {
      const r = await run();
      const ok = statuses.includes(200) ? r.status === 200 && r.json?.ok === false : isHttpRefusal(r, statuses);
      watch.refused(label, ok, show(r));
      await watch.unchanged(label);
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('refuses bodies not declared as JSON (415), so a form or plain-text post never acts', async () => {
    const watch = await Watch.start();
    const cases: Array<[string, string, string]> = [
      ['text/plain', 'text/plain', '{"enabled":false}'],
      ['a form (what `curl -d` sends)', 'application/x-www-form-urlencoded', '{"enabled":false}'],
      ['form fields', 'application/x-www-form-urlencoded', 'enabled=false'],
      ['multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="enabled"\r\n\r\nfalse\r\n--x--'],
      ['no content type', '', '{"enabled":false}'],
    ];
    for (const [label, type, payload] of cases) {
      const headers: Record<string, string> = { 'content-type': type };
      const r = await send('POST', '/api/autoreply', { body: payload, headers });
      watch.refused(label, isHttpRefusal(r, [400, 415]), show(r));
      await watch.unchanged(label);
    }
    expect(watch.problems).toEqual([]);
    expect(core.snapshot().autoReply.enabled, 'none of them switched auto-reply off').toBe(true);
    expectStillWell();
  });

  it('refuses wrong methods, unknown routes and inherited command names with 4xx JSON', async () => {
    const watch = await Watch.start();
    const cases: Array<[string, string, number]> = [
      ['GET', '/api/rpc/getSnapshot', 405],
      ['PUT', '/api/rpc/setAutoReply', 405],
      ['POST', '/api/state', 404],
      ['DELETE', '/api/settings', 404],
      ['PATCH', '/api/rules', 404],
      ['POST', '/api/rpc/__proto__', 404],
      ['POST', '/api/rpc/constructor', 404],
      ['POST', '/api/rpc/toString', 404],
      ['POST', '/api/rpc/hasOwnProperty', 404],
      ['POST', '/api/rpc/getsnapshot', 404],
      ['POST', '/api/rpc/', 404],
      ['POST', '/api/rpc/getSnapshot/extra', 404],
      ['POST', '/api/rpc/get%53napshot', 404],
      ['GET', '/api/nothing', 404],
    ];
    for (const [method, route, status] of cases) {
      const r = await send(method, route, { body: method === 'GET' ? undefined : '{}' });
      watch.refused(`${method} ${route}`, isHttpRefusal(r, [status]), show(r));
      await watch.unchanged(`${method} ${route}`);
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });

  it('refuses every bad token with 401 JSON, and a foreign Host or Origin with 403 JSON', async () => {
    const watch = await Watch.start();
    const cases: Array<[string, () => Promise<HttpReply>, number]> = [
      ['no token', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: null }), 401],
      ['a wrong token', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: 'nope' }), 401],
      ['the token with one character changed', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: `${TOKEN.slice(0, -1)}X` }), 401],
      ['the token plus a character', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: `${TOKEN}x` }), 401],
      ['the token in upper case', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: TOKEN.toUpperCase() }), 401],
      ['an empty token', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: '' }), 401],
      ['a 10 KB token', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: 'x'.repeat(10_000) }), 401],
      ['lower-case "bearer"', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: null, headers: { authorization: `bearer ${TOKEN}` } }), 401],
      ['Basic auth', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', token: null, headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } }), 401],
      ['the token in the query, not on /api/events', () => send('POST', `/api/autoreply?token=${TOKEN}`, { body: '{"enabled":false}', token: null }), 401],
      ['events with a wrong token', () => send('GET', '/api/events?token=nope', { token: null }), 401],
      ['a foreign Host', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', headers: { host: 'evil.example' } }), 403],
      ['a foreign Host with the right port', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', headers: { host: `evil.example:${http.port}` } }), 403],
      ['a foreign Origin', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', headers: { origin: 'http://evil.example' } }), 403],
      ['an https Origin on our port', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', headers: { origin: `https://127.0.0.1:${http.port}` } }), 403],
      ['a garbage Origin', () => send('POST', '/api/autoreply', { body: '{"enabled":false}', headers: { origin: '%%%' } }), 403],
    ];
    for (const [label, run, status] of cases) {
      const r = await run();
      watch.refused(label, isHttpRefusal(r, [status]), show(r));
      await watch.unchanged(label);
    }
    expect(watch.problems).toEqual([]);
    expect(core.snapshot().autoReply.enabled, 'none of them switched auto-reply off').toBe(true);
    expectStillWell();
  });

  it('static files: no path leaves the renderer folder; odd paths get a 4xx JSON error, never a 500', async () => {
    const watch = await Watch.start();
    expect((await send('GET', '/', { token: null })).status).toBe(200);
    const paths = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/....//secret.txt',
      '/%252e%252e%252fsecret.txt',
      '//secret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%2fstatic-evil%2fsecret.txt',
      '/%2e%2e/static-evil/secret.txt',
      '/index.html%00.txt',
      '/%00',
      '/sub/',
      '/sub',
      `/${'a'.repeat(5_000)}`,
      '/%E0%A4%A',
      '/%',
      '/%zz',
    ];
    const index = (await send('GET', '/index.html', { token: null })).text;
    for (const p of paths) {
      const r = await send('GET', p, { token: null });
      const leaked = r.text.includes(SECRET);
      // `//x` is a URL whose host is x and whose path is /: the index page is a fine answer.
      const ok = !leaked && (isHttpRefusal(r, [400, 404]) || (r.status === 200 && r.text === index));
      watch.refused(`GET ${p.slice(0, 40)}`, ok, show(r));
      await watch.unchanged(p.slice(0, 40));
    }
    expect(watch.problems).toEqual([]);
    expectStillWell();
  });
});

// ---- afterwards -----------------------------------------------------------------------------

describe('afterwards', () => {
  it('the core still answers every door, and still replies to a new message exactly once', async () => {
    expect(await core.handle('getSnapshot', undefined)).toMatchObject({ ok: true, value: { state: { kind: 'open' } } });
    expect(await ipcMain.invoke(IPC_COMMAND_PREFIX + 'getSnapshot', ipcFrom, undefined)).toMatchObject({ ok: true });
    const state = await send('GET', '/api/state');
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ state: { kind: 'open' } });
    // Well-formed calls still work through each door (the positive control for all of the above).
    expect(await core.handle('pauseAutoReply', { until: MAX_DATE_MS - 1 })).toMatchObject({ ok: true });
    expect(await ipcMain.invoke(IPC_COMMAND_PREFIX + 'pauseAutoReply', ipcFrom, { until: null })).toMatchObject({ ok: true });
    expect((await send('POST', '/api/autoreply', { body: '{"enabled":true}' })).status).toBe(200);
    const eve = wa.createContact({ name: 'Eve' });
    await say(eve, wa.defaultAccount, 'are you still there after all that');
    const reply = await waitForReply(core, (r) => r.status === 'sent');
    expectDeliveredOnce(wa, eve, reply.id, 'Re: are you still there after all that');
  });
});
