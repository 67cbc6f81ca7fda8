/**
 * Headless mode as a real child process: `node --import tsx main/headless/cli.ts --json …`
 * against the fake WhatsApp server. Parses the JSON lines it prints, talks to its HTTP API with
 * its token (raw node:http, so a test can send any Host, Origin or body), and stops it with
 * SIGTERM or kills it with SIGKILL. Every child still running when a test file ends is killed.
 *
 * The child's log lines (stderr, JSON) go to the suite's log capture folder, so the log privacy
 * check after the suite covers headless mode too.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ConnectionState, ConnectionStateKind } from '../../main/contract/api.js';
import { CAPTURE_DIR } from '../setup/log-capture.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = 'main/headless/cli.ts';

/** One line of `--json` output. */
export interface HeadlessLine {
  type: string;
  [key: string]: unknown;
}

export interface ReadyLine extends HeadlessLine {
  type: 'ready';
  /** The window's address, with `#token=…`. */
  url: string;
  /** `http://127.0.0.1:PORT/api` */
  apiBase: string;
  token: string;
  dataDir: string;
  pid: number;
}

export interface StateLine extends HeadlessLine {
  type: 'state';
  payload: { state: ConnectionState; stateText: string };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined if it is not JSON). */
  body: T;
}

export interface ApiOptions {
  /** Bearer token to send; `null` sends none. Default: the process's own token. */
  token?: string | null;
  headers?: Record<string, string>;
  /** A raw body, sent as is (instead of JSON-encoding `body`). */
  raw?: string | Buffer;
  /** Send the body chunked, without a Content-Length. */
  chunked?: boolean;
  timeoutMs?: number;
}

export interface StartOptions {
  dataDir: string;
  server: FakeWaServer;
  /** The built renderer to serve (see `buildRenderer` in browser.ts). */
  rendererDir?: string;
  /** Raises the global auto-reply rate limit (10 a minute by default). */
  maxRepliesPerMinute?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** How long to wait for the `ready` line. */
  readyTimeoutMs?: number;
}

const running = new Set<HeadlessProcess>();

afterAll(async () => {
  await Promise.all([...running].map((p) => p.kill()));
});

/** Arguments every test run passes: JSON output, a free port, the fake server and its CA. */
export function headlessArgs(options: StartOptions): string[] {
  const args = [
    '--json',
    '--data-dir',
    options.dataDir,
    '--port',
    '0',
    '--wa-url',
    options.server.url,
    '--noise-ca',
    Buffer.from(options.server.caPublicKey).toString('hex'),
  ];
  if (options.rendererDir) args.push('--renderer-dir', options.rendererDir);
  if (options.maxRepliesPerMinute !== undefined) args.push('--max-replies-per-minute', String(options.maxRepliesPerMinute));
  return [...args, ...(options.extraArgs ?? [])];
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // info, so the privacy check sees what a user's log would hold
    REPLYLINE_LOG_LEVEL: 'info',
    ...extra,
  };
}

export class HeadlessProcess {
  /** Every JSON line printed so far, in order. */
  readonly lines: HeadlessLine[] = [];
  /** Lines on stdout that were not JSON objects (should stay empty: stdout is a JSON stream). */
  readonly strayStdout: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private waiters = new Set<() => void>();
  private readyLine: ReadyLine | undefined;

  private constructor(private readonly child: ChildProcessByStdio<null, Readable, Readable>) {
    const captureFile = path.join(CAPTURE_DIR, `headless-${process.pid}.jsonl`);
    createInterface({ input: child.stdout }).on('line', (l) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(l);
      } catch {
        parsed = undefined;
      }
      if (parsed && typeof parsed === 'object' && typeof (parsed as HeadlessLine).type === 'string') {
        this.lines.push(parsed as HeadlessLine);
      } else {
        this.strayStdout.push(l);
      }
      this.notify();
    });
    createInterface({ input: child.stderr }).on('line', (l) => {
      this.stderr += l + '\n';
      // Log records (pino JSON) join the suite-wide privacy check; other stderr text is kept here.
      if (l.startsWith('{')) appendFileSync(captureFile, l + '\n');
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        running.delete(this);
        resolve({ code, signal });
        this.notify();
      }),
    );
  }

  /** Spawn the CLI and wait for its `ready` line. */
  static async start(options: StartOptions): Promise<HeadlessProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...headlessArgs(options)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(options.env),
    });
    const p = new HeadlessProcess(child);
    running.add(p);
    const first = await p.waitForLine(() => true, options.readyTimeoutMs ?? 20_000, 'the first line');
    if (first.type !== 'ready') {
      await p.kill();
      throw new Error(`headless: the first line is not "ready": ${JSON.stringify(first)}`);
    }
    p.readyLine = first as ReadyLine;
    return p;
  }

  get ready(): ReadyLine {
    if (!this.readyLine) throw new Error('headless: not ready');
    return this.readyLine;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** `http://127.0.0.1:PORT` */
  get origin(): string {
    return new URL(this.ready.apiBase).origin;
  }

  /** The number of lines so far; pass it as `from` to wait only for later lines. */
  mark(): number {
    return this.lines.length;
  }

  /** Resolve with the first line at index ≥ `from` that matches. */
  waitForLine(
    pred: (line: HeadlessLine) => boolean,
    timeoutMs = 15_000,
    what = 'a line',
    from = 0,
  ): Promise<HeadlessLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.slice(from).find(pred);
        if (found) return done(() => resolve(found));
        if (this.exitStatus) {
          return done(() =>
            reject(new Error(`headless exited (${JSON.stringify(this.exitStatus)}) while waiting for ${what}\n${this.stderrTail()}`)),
          );
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`headless: timed out after ${timeoutMs} ms waiting for ${what}\n${this.stderrTail()}`))),
        timeoutMs,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        fn();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Wait for a `state` line of `kind` (at index ≥ `from`). */
  async waitForState<K extends ConnectionStateKind>(
    kind: K,
    from = 0,
    timeoutMs = 15_000,
  ): Promise<Extract<ConnectionState, { kind: K }>> {
    const line = (await this.waitForLine(
      (l) => l.type === 'state' && (l as StateLine).payload.state.kind === kind,
      timeoutMs,
      `state ${kind}`,
      from,
    )) as StateLine;
    return line.payload.state as Extract<ConnectionState, { kind: K }>;
  }

  /** The QR of the next `qr` line (at index ≥ `from`). */
  async nextQr(from = 0, timeoutMs = 15_000): Promise<string> {
    const line = await this.waitForLine((l) => l.type === 'qr', timeoutMs, 'a QR', from);
    return line.qr as string;
  }

  /** A request to the API (path relative to the origin, e.g. `/api/state`). */
  api<T = unknown>(method: string, urlPath: string, body?: unknown, options: ApiOptions = {}): Promise<ApiResponse<T>> {
    const token = options.token === undefined ? this.ready.token : options.token;
    const headers: Record<string, string> = { ...(token !== null ? { Authorization: `Bearer ${token}` } : {}) };
    let payload: Buffer | undefined;
    if (options.raw !== undefined) payload = Buffer.from(options.raw);
    else if (body !== undefined) payload = Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      if (!options.chunked) headers['Content-Length'] = String(payload.length);
    }
    Object.assign(headers, options.headers);
    return httpRequest<T>(`${this.origin}${urlPath}`, method, headers, payload, options.timeoutMs, options.chunked);
  }

  /** Like `api`, but throws unless the status is 200; returns the body. */
  async ok<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const r = await this.api<T>(method, urlPath, body);
    if (r.status !== 200) throw new Error(`${method} ${urlPath}: HTTP ${r.status} ${r.text}`);
    return r.body;
  }

  /** SIGTERM (or SIGINT); resolves with the exit code once it has exited. */
  async stop(timeoutMs = 15_000, how: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): Promise<number | null> {
    if (!this.exitStatus) this.child.kill(how);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (signal) throw new Error(`headless: ended by ${signal}, not by a clean exit\n${this.stderrTail()}`);
    return code;
  }

  /** SIGKILL: no cleanup at all, as in a crash or power loss. */
  async kill(): Promise<void> {
    if (!this.exitStatus) this.child.kill('SIGKILL');
    await this.exited;
  }

  stderrTail(lines = 30): string {
    return this.stderr.split('\n').slice(-lines).join('\n');
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Run the CLI with `args` and wait for it to exit (for the flag checks). */
export function runCli(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`headless ${args.join(' ')}: still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A raw HTTP request (node:http lets a test set Host and send any body). */
export function httpRequest<T = unknown>(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  payload?: Buffer,
  timeoutMs = 10_000,
  chunked = false,
): Promise<ApiResponse<T>> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request: reusing a kept-alive socket races the server closing it
    // after 5 idle seconds, and a request that lands on it then fails with ECONNRESET.
    const req = request(url, { method, headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    if (chunked && payload) {
      req.write(payload);
      req.end();
    } else {
      req.end(payload);
    }
  });
}

/** An open `GET /api/events` stream; `messages` fills as events arrive. */
export interface EventStream {
  status: number;
  headers: IncomingHttpHeaders;
  messages: Array<{ event: string; payload: unknown }>;
  comments: string[];
  waitFor(pred: (m: { event: string; payload: unknown }) => boolean, timeoutMs?: number): Promise<{ event: string; payload: unknown }>;
  close(): void;
}

export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const messages: EventStream['messages'] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (data) messages.push(JSON.parse(data) as { event: string; payload: unknown });
          else comments.push(block);
        }
        for (const w of [...waiters]) w();
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        waitFor(pred, timeoutMs = 10_000) {
          return new Promise((ok, fail) => {
            const check = () => {
              const m = messages.find(pred);
              if (!m) return;
              clearTimeout(timer);
              waiters.delete(check);
              ok(m);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching event in ${timeoutMs} ms; got ${messages.map((m) => m.event).join(', ')}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
