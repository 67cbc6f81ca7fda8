/**
 * What the window talks to: the contract's `ReplylineApi`, whatever carries it (the Electron
 * preload bridge or HTTP on 127.0.0.1), plus an optional link signal that only transports which
 * can lose their event stream (HTTP) provide.
 */
import type { ApiError, ReplylineApi, Result } from '../../main/contract/api.js';

export interface RendererApi extends ReplylineApi {
  /**
   * Called with false when the event stream dropped and true when it is back; after a drop the
   * window re-reads everything, since events may have been missed meanwhile.
   */
  onLink?(listener: (up: boolean) => void): () => void;
}

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in the headless web UI. */
    replyline?: ReplylineApi;
  }
}

export function failure(kind: ApiError['kind'], message: string): Result<never> {
  return { ok: false, error: { kind, message } };
}
