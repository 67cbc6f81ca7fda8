/**
 * The window's own origin, `replyline://app/`, served from the built renderer folder.
 *
 * A privileged custom scheme instead of `file://` (Electron security checklist: "avoid file://"):
 * the page gets a real, unique origin that CSP `'self'` and the IPC sender check can name, it
 * cannot read other files on disk, and every response carries the CSP header. Requests that leave
 * the renderer folder (`..`, encoded slashes) get a 404. Which file, its headers and the CSP come
 * from core/app/window-files.ts, which headless mode's server uses too.
 */
import { protocol, type Session } from 'electron';
import { readWindowFile, resolveWindowFile, windowFileHeaders } from '../core/app/window-files.js';

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

/**
 * Map a `replyline://app/...` URL to a file under `rendererDir`, or `undefined` when the URL is
 * not ours or points outside the folder.
 */
export function resolveRendererPath(rendererDir: string, url: string): string | undefined {
  return isAppUrl(url) ? resolveWindowFile(rendererDir, new URL(url).pathname) : undefined;
}

export async function serveRendererFile(rendererDir: string, url: string, method = 'GET'): Promise<Response> {
  const r = isAppUrl(url)
    ? await readWindowFile(rendererDir, new URL(url).pathname, method)
    : ({ status: 404, headers: windowFileHeaders('text/plain; charset=utf-8'), reason: 'not-found' } as const);
  if (r.status === 200) return new Response(r.body, { status: 200, headers: r.headers });
  return new Response(r.reason === 'not-found' ? 'not found' : 'method not allowed', { status: r.status, headers: r.headers });
}
