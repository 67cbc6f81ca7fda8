/**
 * What the shells (Electron main, headless server) see of the core: one object that answers the
 * contract's commands and pushes its events. The shells only translate transport (IPC, HTTP,
 * tray clicks, power events) into these calls; every decision lives behind this interface.
 */
import type {
  CommandArgs,
  CommandName,
  CommandResults,
  EventName,
  EventPayloads,
  Result,
  Snapshot,
} from '../../contract/api.js';

export interface CoreService {
  /**
   * Run a command from the window. `args` is untrusted: it is validated against the contract's
   * schema here, so a malformed payload yields `{ ok: false, error: { kind: 'invalid-payload' } }`.
   */
  handle<C extends CommandName>(command: C, args: unknown): Promise<Result<CommandResults[C]>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  snapshot(): Snapshot;
  /** System resume or network back: reconnect at once instead of waiting out a backoff. */
  reconnectNow(trigger: 'resume' | 'network' | 'user'): void;
  /** Flush every store and release the session lock. */
  close(): Promise<void>;
}

export type { CommandArgs };
