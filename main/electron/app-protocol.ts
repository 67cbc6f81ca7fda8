/**
 * The window's own origin, `replyline://app/`, served from the built renderer folder.
 *
 * A privileged custom scheme instead of `file://` (Electron security checklist: "avoid file://"):
 * the page gets a real, unique origin that CSP `'self'` and the IPC sender check can name, it
 * cannot read other files on disk, and every response carries the CSP header. Requests that leave
 * the renderer folder (`..`, encoded slashes) get a 404.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { protocol, type Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp.js';

export const APP_SCHEME = 'replyline';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const RENDERER_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

export function setupAppProtocol(ses: Session, rendererDir: string): void {
  ses.protocol.handle(APP_SCHEME, (request) => serveRendererFile(rendererDir, request.url, request.method));
}

/** Whether `url` is a page or resource of our own window. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

function headers(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
}

/** Shown when the renderer has not been built, so a bare `electron .` says what is missing. */
const NOT_BUILT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Replyline</title></head>
<body><h1>Replyline</h1><p>The window has not been built. Run <code>npm run build</code>, then start again.</p></body></html>`;

/**
 * Map a `replyline://app/...` URL to a file under `rendererDir`, or `undefined` when the URL is
 * not ours or points outside the folder.
 */
export function resolveRendererPath(rendererDir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + pathname);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return file;
}

export async function serveRendererFile(rendererDir: string, url: string, method = 'GET'): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') {
    return new Response('method not allowed', { status: 405, headers: headers('text/plain; charset=utf-8') });
  }
  const file = resolveRendererPath(rendererDir, url);
  if (!file) return new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  try {
    const body = await fs.readFile(file);
    return new Response(method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: headers(type) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && path.basename(file) === 'index.html' && path.dirname(file) === path.resolve(rendererDir)) {
      return new Response(NOT_BUILT_PAGE, { status: 200, headers: headers('text/html; charset=utf-8') });
    }
    return new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
  }
}
