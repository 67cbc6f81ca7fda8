/**
 * One UI, two transports: the Electron preload's `window.replyline` when it is there, otherwise
 * the headless HTTP API of the core that served this page.
 */
import { createHttpTransport, takeToken } from './http.js';
import type { RendererApi } from './types.js';

export type { RendererApi } from './types.js';

export type TransportChoice = { ok: true; api: RendererApi; kind: 'bridge' | 'http' } | { ok: false; message: string };

export function pickTransport(win: Window = window): TransportChoice {
  if (win.replyline) return { ok: true, api: win.replyline, kind: 'bridge' };
  const token = takeToken(win);
  if (!token) {
    return {
      ok: false,
      message:
        'This page has no access token. Open it from the address Replyline printed when it started (it ends in #token=…).',
    };
  }
  return { ok: true, api: createHttpTransport({ token }), kind: 'http' };
}
