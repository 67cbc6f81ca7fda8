/** What every view gets: the API, the shared store, the message region, and `run()`. */
import type { CommandArgs, CommandName, CommandResults, Result } from '../../main/contract/api.js';
import type { Notifier } from '../lib/notify.js';
import type { AppState, Store } from '../lib/store.js';
import type { RendererApi } from '../transport/index.js';

export interface ViewContext {
  api: RendererApi;
  store: Store<AppState>;
  notify: Notifier;
  /** Invoke a command; a failure is also shown in the message region unless `quiet`. */
  run<C extends CommandName>(command: C, args?: CommandArgs[C], quiet?: boolean): Promise<Result<CommandResults[C]>>;
  /** Bring a screen to the front (without moving focus unless asked). */
  showScreen(id: ScreenId, focus?: boolean): void;
  /** Bring the reply log forward with this reply shown and focused (an activity row's link). */
  revealReply(id: string): void;
}

export type ScreenId = 'home' | 'replies' | 'activity' | 'chats' | 'history' | 'missed' | 'rules' | 'settings';

export interface View {
  element: HTMLElement;
  /** Called each time the screen becomes visible (refresh lists). */
  onShow?(): void;
  /** Called after the event stream came back: re-read what may have changed. */
  resync?(): void;
}
