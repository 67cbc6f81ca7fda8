/**
 * The only bridge between the window and the main process. It exposes one object,
 * `window.replyline`, with two verbs from the contract:
 *
 *   invoke(command, args) → ipcRenderer.invoke('replyline:cmd:<command>', args), resolving to the
 *                            main side's `{ ok, value | error }`;
 *   on(event, listener)   → a subscription to one pushed event; returns an unsubscribe.
 *
 * Never exposed: ipcRenderer itself, the raw IPC event, any channel name not in the contract.
 * Bundled by esbuild into one CommonJS file (dist/preload/preload.cjs): sandboxed preloads can
 * neither be ES modules nor load other files.
 *
 * The renderer types `window.replyline` as `ReplylineBridge` (below), derived from this object,
 * so the two cannot drift.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
// Run-time names from the zod-free channels module; everything else is types only.
import { EVENT_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL } from '../main/contract/channels.js';
import type {
  CommandArgs,
  CommandName,
  CommandResults,
  EventName,
  EventPayloads,
  ReplylineApi,
  Result,
} from '../main/contract/api.js';

type Listener = (payload: never) => void;

const listeners = new Map<EventName, Set<Listener>>();

function isEventMessage(message: unknown): message is { event: EventName; payload: unknown } {
  return (
    typeof message === 'object' &&
    message !== null &&
    EVENT_NAMES.includes((message as { event?: unknown }).event as EventName)
  );
}

// One listener for every pushed event; it hands out the payload only, never the IPC event.
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, message: unknown) => {
  if (!isEventMessage(message)) return;
  for (const listener of [...(listeners.get(message.event) ?? [])]) {
    try {
      (listener as (payload: unknown) => void)(message.payload);
    } catch (err) {
      console.error('replyline: an event listener threw', err); // eslint-disable-line no-console
    }
  }
});

/** An invoke that main could not answer (unknown command, arguments that cannot be cloned). */
function refused(command: unknown): Result<never> {
  return { ok: false, error: { kind: 'invalid-payload', message: `The request "${String(command)}" could not be sent.` } };
}

const api = {
  async invoke<C extends CommandName>(command: C, args?: CommandArgs[C]): Promise<Result<CommandResults[C]>> {
    if (typeof command !== 'string') return refused(command);
    try {
      return (await ipcRenderer.invoke(IPC_COMMAND_PREFIX + command, args)) as Result<CommandResults[C]>;
    } catch {
      return refused(command);
    }
  },
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event: ${String(event)}`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  },
} satisfies ReplylineApi;

export type ReplylineBridge = typeof api;

contextBridge.exposeInMainWorld('replyline', api);
