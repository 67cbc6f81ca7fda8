/**
 * A small 127.0.0.1 server for the renderer tests: serves the built renderer as both shells do
 * (main/core/app/window-files.ts: same files, headers and CSP), and — standing in for the
 * headless core — answers `POST /api/rpc/<command>` and `GET /api/events` with a token, as
 * renderer/transport/http.ts expects.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readWindowFile } from '../../main/core/app/window-files.js';

export interface RpcRecord {
  command: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface TestServer {
  origin: string;
  rpc: RpcRecord[];
  eventRequests: string[];
  /** Answer for RPC commands; undefined → 404. */
  answer: (command: string, args: unknown) => unknown;
  /** Push an SSE message to every open event stream. */
  push(event: string, payload: unknown): void;
  /** Close every open event stream (the browser will reconnect). */
  dropStreams(): void;
  openStreams(): number;
  close(): Promise<void>;
}

export async function startServer(root: string, token: string): Promise<TestServer> {
  const streams = new Set<ServerResponse>();
  const server: TestServer = {
    origin: '',
    rpc: [],
    eventRequests: [],
    answer: () => undefined,
    push(event, payload) {
      for (const s of streams) s.write(`data: ${JSON.stringify({ event, payload })}\n\n`);
    },
    dropStreams() {
      for (const s of streams) s.destroy();
      streams.clear();
    },
    openStreams: () => streams.size,
    close: () =>
      new Promise((resolve) => {
        server.dropStreams();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };

  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(value));
  };

  const handleRpc = (req: IncomingMessage, res: ServerResponse, command: string) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      server.rpc.push({
        command,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      if (req.headers.authorization !== `Bearer ${token}`) {
        json(res, 401, { ok: false, error: { kind: 'forbidden-sender', message: 'wrong token' } });
        return;
      }
      const value = server.answer(command, body ? JSON.parse(body) : undefined);
      if (value === undefined) json(res, 404, { ok: false, error: { kind: 'not-found', message: `no ${command}` } });
      else json(res, 200, { ok: true, value });
    });
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname.startsWith('/api/rpc/')) {
      handleRpc(req, res, decodeURIComponent(url.pathname.slice('/api/rpc/'.length)));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      server.eventRequests.push(url.search);
      if (url.searchParams.get('token') !== token) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write('retry: 200\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    void readWindowFile(root, url.pathname, req.method).then((r) => {
      res.writeHead(r.status, r.headers);
      res.end(r.status === 200 ? r.body : r.reason);
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return server;
}
