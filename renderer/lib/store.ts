/**
 * The window's one piece of shared state (connection, auto-reply switch, missed list, muted
 * chats, store resets, settings) and who listens to it. Views subscribe and patch their own DOM;
 * screen-local data (the reply list, the history, the rules being edited) stays inside the view
 * that shows it.
 */
import type { ConnectionState, MissedView, MutedChatView, SecretsView, Settings, Snapshot, StoreResetView } from '../../main/contract/api.js';

export interface AppState {
  /** False until the first snapshot arrived. */
  ready: boolean;
  /** Set when the core cannot be reached (no bridge, bad token, server gone). */
  unreachable?: string;
  connection: ConnectionState;
  stateText: string;
  autoReply: Snapshot['autoReply'];
  encryption: Snapshot['encryption'];
  dataDir: string;
  version: string;
  missed: MissedView[];
  /** Stores the core had to reset, until dismissed. */
  storeResets: StoreResetView[];
  /** Chats where auto-replies are muted (the `muted` event replaces the list whole). */
  muted: MutedChatView[];
  settings?: Settings;
  /** Secret names and whether each is set (never a value). */
  secrets?: SecretsView;
}

export type Listener<S> = (state: S, previous: S) => void;

export interface Store<S> {
  get(): S;
  set(patch: Partial<S>): void;
  subscribe(listener: Listener<S>): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<Listener<S>>();
  return {
    get: () => state,
    set(patch) {
      const previous = state;
      state = { ...state, ...patch };
      for (const l of [...listeners]) l(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const INITIAL_STATE: AppState = {
  ready: false,
  connection: { kind: 'idle' },
  stateText: 'Starting…',
  autoReply: { enabled: false },
  encryption: 'os-keychain',
  dataDir: '',
  version: '',
  missed: [],
  storeResets: [],
  muted: [],
};
