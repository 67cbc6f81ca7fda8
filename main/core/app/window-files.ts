/**
 * The window's files, served the same way by both shells: the Electron app protocol
 * (`replyline://app/…`) and headless mode's HTTP server (`http://127.0.0.1:PORT/…`). One place
 * for which file a URL path names (never one outside the built renderer folder), its content
 * type, the response headers and the one Content-Security-Policy. The shells only turn the
 * outcome into their own response type.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Nothing remote: scripts, styles, fonts and fetches only from the window's own origin; images
 * from it or `data:` (the QR code is drawn into a data URL); no frames, objects, forms, workers or
 * <base>. Sent as a header on every file; the built index.html carries it in a <meta> too.
 */
const CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "media-src 'none'",
];

export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.join('; ');

/** The same policy as a <meta> can carry it: browsers ignore `frame-ancestors` there (and warn). */
export const CONTENT_SECURITY_POLICY_META = CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');

const CONTENT_TYPES: Record<string, string> = {
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

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers of every response about the window's files, errors included. */
export function windowFileHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/**
 * The file under `rootDir` that a URL path (as in `URL.pathname`, still %-encoded) names, or
 * `undefined` when it names none or one outside the folder (`..`, encoded slashes, backslashes,
 * NUL, malformed %-encoding). `/` is index.html.
 */
export function resolveWindowFile(rootDir: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded === '/' || decoded === '') decoded = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, '.' + decoded);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return file;
}

/** Shown when the renderer has not been built, so starting without a build says what is missing. */
const NOT_BUILT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Replyline</title></head>
<body><h1>Replyline</h1><p>The window has not been built. Run <code>npm run build</code>, then start again.</p></body></html>`;

export type WindowFileResponse =
  | { status: 200; headers: Record<string, string>; body: Uint8Array<ArrayBuffer> | null }
  | { status: 404 | 405; headers: Record<string, string>; reason: 'not-found' | 'method-not-allowed' };

/**
 * Answer a request for one of the window's files. A HEAD gets the headers without the body; any
 * method but GET and HEAD gets 405.
 */
export async function readWindowFile(rootDir: string, pathname: string, method = 'GET'): Promise<WindowFileResponse> {
  const refuse = (status: 404 | 405): WindowFileResponse => ({
    status,
    headers: windowFileHeaders('text/plain; charset=utf-8'),
    reason: status === 404 ? 'not-found' : 'method-not-allowed',
  });
  if (method !== 'GET' && method !== 'HEAD') return refuse(405);
  const file = resolveWindowFile(rootDir, pathname);
  if (!file) return refuse(404);
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = new Uint8Array(await fs.readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const isIndex = file === path.join(path.resolve(rootDir), 'index.html');
    if (!isIndex || (code !== 'ENOENT' && code !== 'ENOTDIR')) return refuse(404);
    body = new TextEncoder().encode(NOT_BUILT_PAGE);
  }
  return { status: 200, headers: windowFileHeaders(contentTypeOf(file)), body: method === 'HEAD' ? null : body };
}
