/**
 * Headless mode's web server: the same renderer the desktop window shows, and the same contract,
 * served on 127.0.0.1 behind a random token.
 *
 *   GET  /                      the built renderer (core/app/window-files.ts: files, headers, CSP)
 *   POST /api/rpc/<command>     any contract command → Result JSON (what the renderer uses)
 *   GET  /api/events?token=…    server-sent events {event, payload} (EventSource cannot set headers)
 *   REST for scripts: GET /api/state, /api/replies, /api/history; GET|PUT /api/settings, /api/rules;
 *   POST /api/autoreply {"enabled"}, /api/reconnect, /api/use-here, /api/relink;
 *   GET /api/activity (why each message got a reply or not; same filters as listActivity),
 *   GET /api/chats, GET /api/muted.
 *
 * Every /api request needs `Authorization: Bearer TOKEN` (401 otherwise). A Host or Origin that is
 * not this loopback address gets 403, which shuts out DNS-rebinding pages in a browser.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { commandSchemas, EVENT_NAMES, MAX_REQUEST_BODY_BYTES, type CommandName, type Result } from '../contract/api.js';
import type { CoreService } from '../core/app/core-service.js';
import { getLogger } from '../core/logging/logger.js';
import { readWindowFile } from '../core/app/window-files.js';

/** One limit with the window's rules import (see `MAX_RULES_FILE_BYTES`). */
const MAX_BODY_BYTES = MAX_REQUEST_BODY_BYTES;

export interface HeadlessServerOptions {
  /** What the server uses of the core (headless mode gives it before the core is open: commands wait). */
  core: Pick<CoreService, 'handle' | 'on'>;
  token: string;
  /** Folder of the built renderer (dist/renderer). */
  staticDir: string;
  port?: number;
  host?: string;
}

export interface HeadlessServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** REST routes: method + path → command, and where its argument comes from. */
const REST: Record<string, { command: CommandName; args: 'none' | 'body' | 'query' | 'rules-body' }> = {
  'GET /api/state': { command: 'getSnapshot', args: 'none' },
  'GET /api/replies': { command: 'listReplies', args: 'query' },
  'GET /api/activity': { command: 'listActivity', args: 'query' },
  'GET /api/chats': { command: 'listChats', args: 'query' },
  'GET /api/muted': { command: 'listMutedChats', args: 'none' },
  'GET /api/history': { command: 'getHistory', args: 'none' },
  'GET /api/settings': { command: 'getSettings', args: 'none' },
  'PUT /api/settings': { command: 'updateSettings', args: 'body' },
  'GET /api/rules': { command: 'getRules', args: 'none' },
  'PUT /api/rules': { command: 'setRules', args: 'rules-body' },
  'POST /api/autoreply': { command: 'setAutoReply', args: 'body' },
  'POST /api/reconnect': { command: 'reconnectNow', args: 'none' },
  'POST /api/use-here': { command: 'useHere', args: 'none' },
  'POST /api/relink': { command: 'relink', args: 'none' },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const log = getLogger('headless-http');
  const host = options.host ?? '127.0.0.1';
  const token = Buffer.from(options.token);
  const streams = new Set<ServerResponse>();
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: { kind: err.kind, message: err.message } });
      log.error({ err }, 'headless request failed');
      sendJson(res, 500, { error: { kind: 'internal', message: 'Something went wrong inside Replyline.' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    checkLoopback(req, allowedHosts());
    if (!url.pathname.startsWith('/api/')) return serveWindowFile(options.staticDir, url.pathname, req.method, res);

    const supplied = url.pathname === '/api/events' ? url.searchParams.get('token') ?? bearer(req) : bearer(req);
    if (!supplied || !safeEqual(Buffer.from(supplied), token)) {
      throw new HttpError(401, 'unauthorized', 'A valid token is required.');
    }
    if (url.pathname === '/api/events' && req.method === 'GET') return openEventStream(res);

    const rpc = /^\/api\/rpc\/([A-Za-z]+)$/.exec(url.pathname);
    if (rpc) {
      if (req.method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'Use POST.');
      const command = rpc[1] as CommandName;
      if (!Object.hasOwn(commandSchemas, command)) throw new HttpError(404, 'not-found', 'No such command.');
      const body = await readJson(req);
      return sendJson(res, 200, await options.core.handle(command, body));
    }

    const route = REST[`${req.method} ${url.pathname}`];
    if (!route) throw new HttpError(404, 'not-found', 'No such route.');
    let args: unknown;
    switch (route.args) {
      case 'none':
        args = undefined;
        break;
      case 'body':
        args = await readJson(req);
        break;
      case 'rules-body': {
        // Accept both a bare array and {rules: [...]} from scripts.
        const body = await readJson(req);
        args = Array.isArray(body) ? { rules: body } : body;
        break;
      }
      case 'query':
        args = queryArgs(url.searchParams);
        break;
    }
    const result: Result<unknown> = await options.core.handle(route.command, args);
    if (result.ok) return sendJson(res, 200, result.value);
    const status = result.error.kind === 'not-found' ? 404 : result.error.kind === 'internal' ? 500 : 400;
    return sendJson(res, status, { error: result.error });
  }

  // The core's events are listened to only while a browser has a stream open: with none, the
  // core builds no views of its replies and decisions at all. A window that connects fetches
  // its state by command and gets every event from the moment its stream is here (subscribed
  // before the stream's first byte is sent).
  let offs: Array<() => void> = [];
  const subscribe = () => {
    offs = EVENT_NAMES.map((event) =>
      options.core.on(event, (payload) => {
        const line = `data: ${JSON.stringify({ event, payload })}\n\n`;
        for (const s of streams) s.write(line);
      }),
    );
  };
  const unsubscribe = () => {
    for (const off of offs.splice(0)) off();
  };

  function openEventStream(res: ServerResponse): void {
    if (streams.size === 0) subscribe();
    streams.add(res);
    res.on('close', () => {
      if (streams.delete(res) && streams.size === 0) unsubscribe();
    });
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(': connected\n\n');
  }

  const heartbeat = setInterval(() => {
    for (const s of streams) s.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://${host}:${port}/`,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function checkLoopback(req: IncomingMessage, allowed: Set<string>): void {
  const host = req.headers.host ?? '';
  if (!allowed.has(host)) throw new HttpError(403, 'forbidden-host', 'Only loopback addresses may talk to Replyline.');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost = '';
    try {
      const o = new URL(origin);
      originHost = o.protocol === 'http:' ? o.host : '';
    } catch {
      // unparseable origin: refused below
    }
    if (!allowed.has(originHost)) {
      throw new HttpError(403, 'forbidden-origin', 'Requests from other sites are not allowed.');
    }
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith('Bearer ')) return undefined;
  return h.slice('Bearer '.length).trim();
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', 'The request is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', 'The request is too large.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported-media-type', 'Send the body as JSON, with Content-Type: application/json.');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid-payload', 'The request body is not valid JSON.');
  }
}

function queryArgs(params: URLSearchParams): Record<string, unknown> | undefined {
  // No prototype: a key named __proto__ is a key like any other (and refused by the schema).
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of params) {
    if (k === 'token') continue;
    out[k] = k === 'limit' ? Number(v) : v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(data);
}

/** The window's files, as the Electron app protocol serves them (core/app/window-files.ts). */
async function serveWindowFile(root: string, pathname: string, method: string | undefined, res: ServerResponse): Promise<void> {
  const r = await readWindowFile(root, pathname, method);
  if (r.status !== 200) throw new HttpError(r.status, r.reason, r.status === 404 ? 'Not found.' : 'Use GET.');
  res.writeHead(200, r.headers);
  res.end(r.body);
}
