/**
 * Headless mode as scripts and people use it: `main/headless/cli.ts` runs as a child process
 * against the fake WhatsApp server. Its flags, its JSON lines, its QR, its HTTP API (token,
 * loopback-only Host/Origin, REST, RPC, SSE, body limits) and a clean SIGTERM that leaves
 * everything on disk for the next start.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { HistoryView, ReplyView, Settings, Snapshot } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { echoRule } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { parseHeadlessArgs, UsageError } from '../../main/headless/cli.js';
import { HeadlessProcess, httpRequest, openEventStream, runCli, type StateLine } from '../support/headless-process.js';
import { buildRenderer } from '../support/browser.js';
import { until } from '../support/poll.js';

let server: FakeWaServer;

beforeAll(async () => {
  server = await startFakeWa();
});

afterAll(async () => {
  await server?.close();
});

describe('flags', () => {
  const hexCa = () => Buffer.from(server.caPublicKey).toString('hex');

  it('refuses a bad --port, a non-loopback --wa-url and --noise-ca without --wa-url: exit 2, stderr, nothing on stdout', async () => {
    const dir = tempDir('headless-flags-');
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: ['--port', '70000'], message: /--port must be 0\.\.65535/ },
      { args: ['--wa-url', 'ws://example.com/ws/chat'], message: /--wa-url .*loopback/ },
      { args: ['--noise-ca', hexCa()], message: /--noise-ca needs --wa-url/ },
    ];
    const results = await Promise.all(cases.map((c) => runCli(['--json', '--data-dir', dir, ...c.args])));
    results.forEach((r, i) => {
      const { args, message } = cases[i]!;
      expect({ args, code: r.code, signal: r.signal }).toEqual({ args, code: 2, signal: null });
      expect(r.stderr, args.join(' ')).toMatch(/^replyline headless: /);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
    });
    // Nothing was started: no session, no lock.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--version prints the version from package.json and exits 0 without starting anything', async () => {
    const dir = tempDir('headless-version-');
    const { version } = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version', '--data-dir', dir]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('parses every flag and refuses the rest with a usage error (what exit code 2 reports)', () => {
    const ok = parseHeadlessArgs([
      '--json',
      '--data-dir',
      'some/dir',
      '--port',
      '8123',
      '--wa-url',
      'ws://localhost:5222/ws/chat',
      '--noise-ca',
      'ab'.repeat(32),
      '--renderer-dir',
      'ui',
      '--max-replies-per-minute',
      '500',
    ]);
    expect(ok).toEqual({
      json: true,
      dataDir: path.resolve('some/dir'),
      port: 8123,
      waUrl: 'ws://localhost:5222/ws/chat',
      noiseCa: 'ab'.repeat(32),
      rendererDir: path.resolve('ui'),
      maxRepliesPerMinute: 500,
    });
    expect(parseHeadlessArgs([])).toMatchObject({ json: false, port: 0, waUrl: undefined, noiseCa: undefined });
    for (const url of ['ws://127.0.0.1:1/ws', 'wss://[::1]:2/ws', 'ws://localhost/ws']) {
      expect(parseHeadlessArgs(['--wa-url', url]).waUrl).toBe(url);
    }
    const refused: string[][] = [
      ['--port', 'abc'],
      ['--port', ''],
      ['--port', '1e3'],
      ['--port', '0x50'],
      ['--port', '65536'],
      ['--port', '8080.5'],
      ['--wa-url', 'ws://10.0.0.1:5222/ws/chat'],
      ['--wa-url', 'ws://127.0.0.1.evil.example/ws'],
      ['--wa-url', 'http://127.0.0.1:1/'],
      ['--wa-url', 'not a url'],
      ['--wa-url', 'ws://127.0.0.1:1/', '--noise-ca', 'not-hex'],
      ['--wa-url', 'ws://127.0.0.1:1/', '--noise-ca', 'ab'.repeat(31)],
      ['--max-replies-per-minute', '0'],
      ['--max-replies-per-minute', '10001'],
      ['--max-replies-per-minute', 'many'],
    ];
    for (const args of refused) expect(() => parseHeadlessArgs(args), args.join(' ')).toThrow(UsageError);
    // Unknown flags and positionals are refused by parseArgs itself (main() reports those with exit 2 too).
    expect(() => parseHeadlessArgs(['--bogus'])).toThrow();
    expect(() => parseHeadlessArgs(['stray'])).toThrow();
  });
});

describe('a running headless process', () => {
  let hp: HeadlessProcess;
  let dataDir: string;
  let scannedQr: string;

  beforeAll(async () => {
    dataDir = tempDir('headless-cli-');
    const rendererDir = await buildRenderer();
    hp = await HeadlessProcess.start({ dataDir, server, rendererDir });
    scannedQr = await hp.nextQr();
    await server.scanQr(scannedQr);
    await hp.waitForState('open');
  });

  afterAll(async () => {
    await hp?.kill();
  });

  it('prints the ready line first: the window address with its token, the API base, the data folder', () => {
    const ready = hp.ready;
    expect(hp.lines[0]).toBe(ready);
    expect(ready.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    expect(ready.url).toBe(`${hp.origin}/#token=${ready.token}`);
    expect(ready.apiBase).toBe(`${hp.origin}/api`);
    expect(ready.dataDir).toBe(dataDir);
    expect(ready.pid).toBe(hp.pid);
    // Then the state as it is by then: not linked yet, it connected while its stores opened.
    expect(hp.lines[1]).toMatchObject({ type: 'state', payload: { state: { kind: expect.stringMatching(/^(idle|connecting|awaiting-qr)$/) } } });
    expect(hp.strayStdout).toEqual([]);
  });

  it('writes a log file in the data folder whose first line says which version runs; no QR or number in it', async () => {
    const { version } = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version: string };
    const logFile = path.join(dataDir, 'logs', 'replyline.1.log');
    await expect.poll(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('\n'), { timeout: 10_000 }).toBe(true);
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, version, msg: `Replyline ${version} starting` });
    expect(lines.join('\n')).not.toContain(scannedQr.split(',')[1]!);
  });

  it('prints the QR the phone scans, then the link opens', () => {
    const qrLines = hp.lines.filter((l) => l.type === 'qr');
    expect(qrLines.length).toBeGreaterThanOrEqual(1);
    expect(qrLines[0]!.qr).toBe(scannedQr);
    expect(scannedQr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
    // The qr line comes with the state line that carries the same QR.
    const awaiting = hp.lines.find((l) => l.type === 'state' && (l as StateLine).payload.state.kind === 'awaiting-qr') as StateLine;
    expect(awaiting.payload.state).toMatchObject({ kind: 'awaiting-qr', qr: scannedQr, qrIndex: 1 });
    const kinds = hp.lines.filter((l): l is StateLine => l.type === 'state').map((l) => l.payload.state.kind);
    // From wherever the first state line found it (see above) to the QR.
    const toQr = kinds.slice(0, kinds.indexOf('awaiting-qr') + 1);
    expect(['idle', 'connecting', 'awaiting-qr'].slice(-toQr.length)).toEqual(toQr);
    expect(kinds.at(-1)).toBe('open');
    // The 515 after pairing is in the history, with its meaning.
    expect(hp.lines).toContainEqual(
      expect.objectContaining({ type: 'history', payload: expect.objectContaining({ code: 515, cause: 'restart-required' }) }),
    );
  });

  it('serves the window on / with a strict CSP', async () => {
    const r = await hp.api('GET', '/', undefined, { token: null });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.text).toContain('<div id="app"');
    const missing = await hp.api('GET', '/no-such-file.js', undefined, { token: null });
    expect(missing.status).toBe(404);
    const escape = await hp.api('GET', '/..%2fpackage.json', undefined, { token: null });
    expect(escape.status).toBe(404);
    expect(escape.text).not.toContain('"name": "replyline"');
  });

  it('answers 401 without the token or with a wrong one, on every kind of route', async () => {
    const wrong = `${hp.ready.token.slice(0, -1)}${hp.ready.token.endsWith('A') ? 'B' : 'A'}`;
    const routes: Array<[string, string]> = [
      ['GET', '/api/state'],
      ['GET', '/api/replies'],
      ['GET', '/api/history'],
      ['GET', '/api/settings'],
      ['PUT', '/api/settings'],
      ['GET', '/api/rules'],
      ['PUT', '/api/rules'],
      ['POST', '/api/autoreply'],
      ['POST', '/api/reconnect'],
      ['POST', '/api/use-here'],
      ['POST', '/api/relink'],
      ['POST', '/api/rpc/getSnapshot'],
      ['GET', '/api/events'],
      ['GET', '/api/no-such-route'],
    ];
    for (const [method, route] of routes) {
      for (const token of [null, wrong, '', 'x'.repeat(hp.ready.token.length * 4)]) {
        const r = await hp.api(method, route, undefined, { token });
        expect({ method, route, token, status: r.status }).toEqual({ method, route, token, status: 401 });
        expect(r.body).toMatchObject({ error: { kind: 'unauthorized' } });
      }
    }
    // The events stream also refuses a wrong token in its query.
    const sse = await httpRequest(`${hp.origin}/api/events?token=${encodeURIComponent(wrong)}`, 'GET');
    expect(sse.status).toBe(401);
    // A token in the query works for the events stream only.
    const viaQuery = await hp.api('GET', `/api/state?token=${encodeURIComponent(hp.ready.token)}`, undefined, { token: null });
    expect(viaQuery.status).toBe(401);
    // Nothing was changed by the refused requests.
    expect((await hp.ok<Snapshot>('GET', '/api/state')).autoReply.enabled).toBe(false);
  });

  it('answers 403 to a foreign Host or Origin, even with the right token', async () => {
    const port = new URL(hp.origin).port;
    const foreign: Array<Record<string, string>> = [
      { Host: 'evil.example' },
      { Host: `evil.example:${port}` },
      { Host: `127.0.0.1:${Number(port) + 1}` },
      { Origin: 'http://evil.example' },
      { Origin: `http://evil.example:${port}` },
      { Origin: `https://127.0.0.1:${port}` },
      { Origin: 'not a url' },
    ];
    for (const headers of foreign) {
      for (const route of ['/api/state', '/api/autoreply', '/']) {
        const method = route === '/api/autoreply' ? 'POST' : 'GET';
        const r = await hp.api(method, route, method === 'POST' ? { enabled: true } : undefined, { headers });
        expect({ headers, route, status: r.status }).toEqual({ headers, route, status: 403 });
      }
    }
    const sse = await httpRequest(`${hp.origin}/api/events?token=${hp.ready.token}`, 'GET', { Host: 'evil.example' });
    expect(sse.status).toBe(403);
    expect((await hp.ok<Snapshot>('GET', '/api/state')).autoReply.enabled).toBe(false);
    // The page's own origin (and localhost) are fine.
    const own: Array<Record<string, string>> = [
      { Origin: hp.origin },
      { Host: `localhost:${port}`, Origin: `http://localhost:${port}` },
      { Origin: 'null' },
    ];
    for (const headers of own) {
      expect((await hp.api('GET', '/api/state', undefined, { headers })).status).toBe(200);
    }
  });

  it('answers the REST reads with 200 and the contract shapes', async () => {
    const state = await hp.ok<Snapshot>('GET', '/api/state');
    expect(state.state.kind).toBe('open');
    expect(state.stateText).toBe('Connected');
    expect(state.dataDir).toBe(dataDir);
    expect(state.autoReply).toEqual({ enabled: false });

    expect(await hp.ok<ReplyView[]>('GET', '/api/replies')).toEqual([]);
    expect(await hp.ok<ReplyView[]>('GET', '/api/replies?limit=5&status=sent')).toEqual([]);
    expect((await hp.api('GET', '/api/replies?limit=abc')).status).toBe(400);
    expect((await hp.api('GET', '/api/replies?status=nonsense')).status).toBe(400);

    const history = await hp.ok<HistoryView>('GET', '/api/history');
    expect(history.entries.map((e) => e.state)).toContain('open');
    expect(history.entries.find((e) => e.cause === 'restart-required')?.meaning).toMatch(/restart/i);
    // The restart right after linking is not counted as a drop.
    expect(history.countsByCause['restart-required']).toBeUndefined();
    expect(history.day).toHaveLength(24);

    const settings = await hp.ok<Settings>('GET', '/api/settings');
    expect(settings).toMatchObject({ catchUpWindowMinutes: 15, replyTtlMinutes: 60 });
    expect(await hp.ok('GET', '/api/rules')).toEqual({ rules: [] });

    // The RPC form returns the contract's Result.
    const rpc = await hp.api('POST', '/api/rpc/getSnapshot');
    expect(rpc.status).toBe(200);
    expect(rpc.body).toMatchObject({ ok: true, value: { state: { kind: 'open' } } });
    expect((await hp.api('GET', '/api/rpc/getSnapshot')).status).toBe(405);
    expect((await hp.api('POST', '/api/rpc/noSuchCommand')).status).toBe(404);
    const badArgs = await hp.api('POST', '/api/rpc/setAutoReply', { enabled: 'yes' });
    expect(badArgs.status).toBe(200);
    expect(badArgs.body).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
    expect((await hp.api('GET', '/api/no-such-route')).status).toBe(404);
  });

  it('PUT /api/settings validates and saves', async () => {
    const bad = await hp.api('PUT', '/api/settings', { replyTtlMinutes: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { kind: 'invalid-payload', details: [expect.objectContaining({ path: 'replyTtlMinutes' })] } });
    const unknown = await hp.api('PUT', '/api/settings', { notASetting: true });
    expect(unknown.status).toBe(400);
    const saved = await hp.ok<Settings>('PUT', '/api/settings', { typingIndicator: false });
    expect(saved.typingIndicator).toBe(false);
    expect((await hp.ok<Settings>('GET', '/api/settings')).typingIndicator).toBe(false);
  });

  it('PUT /api/rules refuses invalid rules with 400 and one detail per problem, naming the rule', async () => {
    const invalid = [
      { id: 'a', name: 'Greedy', match: { type: 'regex', pattern: '(a+)+$' }, reply: { type: 'template', text: 'hi' } },
      { id: 'b', name: 'Empty', match: { type: 'any' }, reply: { type: 'template', text: '' } },
    ];
    const r = await hp.api<{ error: { kind: string; message: string; details: Array<{ path: string; message: string }> } }>(
      'PUT',
      '/api/rules',
      { rules: invalid },
    );
    expect(r.status).toBe(400);
    expect(r.body.error.kind).toBe('invalid-rules');
    const details = r.body.error.details;
    expect(details.length).toBeGreaterThanOrEqual(2);
    const first = details.find((d) => d.path.startsWith('0.'));
    const second = details.find((d) => d.path.startsWith('1.'));
    expect(first).toMatchObject({ path: '0.match.pattern', message: expect.stringContaining('Greedy') });
    expect(second).toMatchObject({ path: expect.stringMatching(/^1\.reply/), message: expect.stringContaining('Empty') });
    // Nothing was saved.
    expect(await hp.ok('GET', '/api/rules')).toEqual({ rules: [] });
    // Not an array at all: still a 400 in the contract's words.
    const notList = await hp.api('PUT', '/api/rules', { rules: 'nope' });
    expect(notList.status).toBe(400);
    expect(notList.body).toMatchObject({ error: { kind: 'invalid-payload' } });
  });

  it('PUT /api/rules saves valid rules (a bare array works too), defaults filled in', async () => {
    const r = await hp.ok<{ rules: Array<Record<string, unknown>> }>('PUT', '/api/rules', [echoRule()]);
    expect(r.rules).toHaveLength(1);
    expect(r.rules[0]).toMatchObject({ id: 'echo', name: 'Echo', enabled: true, groups: 'off', scope: { mode: 'everyone' } });
    expect(await hp.ok('GET', '/api/rules')).toEqual(r);
  });

  it('streams events over SSE with the token in the query; POST /api/autoreply switches auto-reply', async () => {
    const stream = await openEventStream(`${hp.origin}/api/events?token=${encodeURIComponent(hp.ready.token)}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      await until(() => stream.comments.length > 0, 5_000, 'the stream to open', 50);
      const from = hp.mark();

      const bad = await hp.api('POST', '/api/autoreply', { enabled: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { kind: 'invalid-payload' } });

      expect(await hp.ok('POST', '/api/autoreply', { enabled: true })).toEqual({ enabled: true });
      expect(await stream.waitFor((m) => m.event === 'auto-reply')).toEqual({ event: 'auto-reply', payload: { enabled: true } });
      // The same event on stdout.
      await hp.waitForLine((l) => l.type === 'auto-reply', 5_000, 'the auto-reply line', from);
      expect((await hp.ok<Snapshot>('GET', '/api/state')).autoReply).toEqual({ enabled: true });

      // A real message: the reply goes out, and its progress arrives on the stream and on stdout.
      const alice = server.createContact({ name: 'Alice' });
      registerSecret('headless hello');
      registerSecret('Re: headless hello');
      await alice.sendText(server.defaultAccount, 'headless hello');
      const sent = (await stream.waitFor((m) => m.event === 'reply' && (m.payload as ReplyView).status === 'sent')).payload as ReplyView;
      expect(sent).toMatchObject({ text: 'Re: headless hello', ruleName: 'Echo', contactName: 'Alice' });
      expect(sent.contactMasked).not.toContain(alice.phoneNumber.slice(-8));
      await hp.waitForLine((l) => l.type === 'reply' && (l.payload as ReplyView).status === 'sent', 5_000, 'the reply line', from);
      await server.waitFor(() => alice.received.length === 1, 5_000, 'the reply to arrive');
      expect(alice.texts()).toEqual(['Re: headless hello']);
      expect(alice.received[0]!.id).toBe(sent.id);
      const listed = await hp.ok<ReplyView[]>('GET', '/api/replies');
      expect(listed.map((x) => [x.id, x.status])).toEqual([[sent.id, 'sent']]);
    } finally {
      stream.close();
    }
  });

  it('refuses an oversized body with 413 and malformed JSON with 400', async () => {
    const big = JSON.stringify({ rules: [{ name: 'x'.repeat(300 * 1024) }] });
    const declared = await hp.api('PUT', '/api/rules', undefined, { raw: big });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ error: { kind: 'too-large' } });
    // Without a Content-Length (chunked), the limit holds while reading.
    const chunked = await hp.api('PUT', '/api/rules', undefined, { raw: big, chunked: true });
    expect(chunked.status).toBe(413);
    const rpcBig = await hp.api('POST', '/api/rpc/setRules', undefined, { raw: big });
    expect(rpcBig.status).toBe(413);

    for (const raw of ['{"enabled": tru', '{', 'enabled=true', '\u0000']) {
      const r = await hp.api('POST', '/api/autoreply', undefined, { raw });
      expect({ raw, status: r.status }).toEqual({ raw, status: 400 });
      expect(r.body).toMatchObject({ error: { kind: 'invalid-payload' } });
    }
    // The server is still fine, and nothing changed.
    expect((await hp.ok<Snapshot>('GET', '/api/state')).autoReply).toEqual({ enabled: true });
    expect((await hp.ok<{ rules: unknown[] }>('GET', '/api/rules')).rules).toHaveLength(1);
  });

  it('a second copy on the same data folder stops with exit 1 and plain words, and leaves the first alone', async () => {
    const second = await runCli(['--json', '--data-dir', dataDir, '--port', '0', '--wa-url', server.url, '--noise-ca', Buffer.from(server.caPublicKey).toString('hex')]);
    expect({ code: second.code, signal: second.signal }).toEqual({ code: 1, signal: null });
    expect(second.stderr).toContain('Another copy of Replyline (or another program) is already using this WhatsApp session');
    expect(second.stdout).toBe('');
    expect((await hp.ok<Snapshot>('GET', '/api/state')).state.kind).toBe('open');
    expect(server.liveConnections().length).toBe(1);
  });

  it('exits 0 on SIGTERM with every store flushed: a restart on the same folder opens without a QR', async () => {
    const before = await hp.ok<ReplyView[]>('GET', '/api/replies');
    expect(before).toHaveLength(1);
    const code = await hp.stop();
    expect(code).toBe(0);
    expect(hp.strayStdout).toEqual([]);
    // The port is closed.
    await expect(httpRequest(`${hp.origin}/api/state`, 'GET', {}, undefined, 2_000)).rejects.toThrow();

    const registrations = server.record.connections.filter((c) => c.kind === 'registration').length;
    const again = await HeadlessProcess.start({ dataDir, server });
    try {
      await again.waitForState('open');
      // A login with the saved session: no new registration (pairing).
      expect(server.record.connections.filter((c) => c.kind === 'registration').length).toBe(registrations);
      expect(again.lines.some((l) => l.type === 'qr')).toBe(false);
      const kinds = again.lines.filter((l): l is StateLine => l.type === 'state').map((l) => l.payload.state.kind);
      expect(kinds).not.toContain('awaiting-qr');
      expect(again.ready.token).not.toBe(hp.ready.token);
      // The old token is worthless now.
      expect((await again.api('GET', '/api/state', undefined, { token: hp.ready.token })).status).toBe(401);
      // Settings, rules, the switch and the reply log survived.
      const snap = await again.ok<Snapshot>('GET', '/api/state');
      expect(snap.autoReply).toEqual({ enabled: true });
      expect((await again.ok<Settings>('GET', '/api/settings')).typingIndicator).toBe(false);
      expect((await again.ok<{ rules: Array<{ id: string }> }>('GET', '/api/rules')).rules.map((r) => r.id)).toEqual(['echo']);
      const after = await again.ok<ReplyView[]>('GET', '/api/replies');
      expect(after.map((r) => [r.id, r.status, r.text])).toEqual(before.map((r) => [r.id, r.status, r.text]));
      // SIGINT (Ctrl+C) shuts down just as cleanly.
      expect(await again.stop(15_000, 'SIGINT')).toBe(0);
    } finally {
      await again.kill();
    }
  });
});
