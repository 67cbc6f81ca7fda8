/**
 * The one IPC registrar. For every command of the contract it registers one
 * `ipcMain.handle(IPC_COMMAND_PREFIX + name)` that
 *
 *   1. checks the sender: our window's webContents, its top frame, on the app's own origin
 *      (Electron security checklist item 17) — anything else gets `forbidden-sender`;
 *   2. checks the payload with the contract's `parseCommandPayload` — a malformed payload gets
 *      `invalid-payload` and never reaches the core (the core runs the same check again: defence
 *      in depth);
 *   3. runs the command on the core and returns its `Result`; a throw becomes `internal`, so
 *      nothing but `{ ok, value | error }` ever crosses IPC.
 *
 * Core events are pushed to the window on one channel, `IPC_EVENT_CHANNEL`, as `{ event, payload }`.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import {
  commandSchemas,
  parseCommandPayload,
  EVENT_NAMES,
  IPC_COMMAND_PREFIX,
  IPC_EVENT_CHANNEL,
  type CommandName,
  type EventName,
  type EventPayloads,
  type Result,
} from '../contract/api.js';
import type { CoreService } from '../core/app/core-service.js';
import { getLogger } from '../core/logging/logger.js';
import { isAppUrl } from './app-protocol.js';

export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

export interface IpcOptions {
  core: Pick<CoreService, 'handle' | 'on'>;
  /** The window whose renderer may call; `undefined` before it exists and after it is gone. */
  getWindow: () => BrowserWindow | undefined;
}

/** Whether an invoke came from our window's top frame showing our own page. */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | undefined): boolean {
  if (!win || win.isDestroyed()) return false;
  if (event.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (frame.parent !== null) return false; // a subframe (CSP forbids them; refuse anyway)
  return isAppUrl(frame.url);
}

export async function handleCommand(
  options: IpcOptions,
  command: CommandName,
  event: IpcMainInvokeEvent,
  args: unknown,
): Promise<Result<unknown>> {
  const log = getLogger('ipc');
  if (!isTrustedSender(event, options.getWindow())) {
    log.warn({ command }, 'refused a command from a sender that is not the Replyline window');
    return { ok: false, error: { kind: 'forbidden-sender', message: 'This request did not come from the Replyline window.' } };
  }
  const parsed = parseCommandPayload(command, args);
  if (!parsed.ok) {
    log.warn({ command, issues: parsed.error.details?.length ?? 1 }, 'refused a command with a malformed payload');
    return parsed;
  }
  try {
    return await options.core.handle(command, parsed.value);
  } catch (err) {
    log.error({ err, command }, 'a command failed');
    return { ok: false, error: { kind: 'internal', message: 'Something went wrong inside Replyline. The log has the details.' } };
  }
}

export function sendEvent<E extends EventName>(win: BrowserWindow | undefined, event: E, payload: EventPayloads[E]): void {
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
}

/** Register every command handler and forward every core event. Returns an undo for tests. */
export function setupIpc(options: IpcOptions): () => void {
  for (const command of COMMAND_NAMES) {
    ipcMain.handle(IPC_COMMAND_PREFIX + command, (event, args: unknown) => handleCommand(options, command, event, args));
  }
  const unsubscribe = EVENT_NAMES.map((name) =>
    options.core.on(name, (payload) => sendEvent(options.getWindow(), name, payload)),
  );
  return () => {
    for (const command of COMMAND_NAMES) ipcMain.removeHandler(IPC_COMMAND_PREFIX + command);
    for (const u of unsubscribe) u();
  };
}
