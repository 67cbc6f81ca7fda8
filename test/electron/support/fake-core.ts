/**
 * A small stand-in for the real CoreService: the contract's payload check and `Result` wrapping
 * are the real core's (`dispatchCommand`), and every command has a handler typed from the
 * contract (`CommandHandlers`: a new command does not compile until it is handled here) that
 * answers with a value of the command's result type from in-memory state — the auto-reply
 * switch, settings, rules, secret names (never values), missed messages, chats and mutes — or
 * refuses where the real core refuses (an unknown id). It emits the matching events, and records
 * every call so specs can assert what the shell asked for.
 */
import { vi, type Mock } from 'vitest';
import {
  DEFAULT_SETTINGS,
  describeState,
  type ActivityView,
  type ChatMemoryView,
  type ChatView,
  type CommandName,
  type ConnectionState,
  type EventName,
  type EventPayloads,
  type MissedView,
  type MutedChatView,
  type ReplyView,
  type Result,
  type SecretView,
  type Settings,
  type Snapshot,
} from '../../../main/contract/api.js';
import type { CoreService } from '../../../main/core/app/core-service.js';
import { CommandRefused, dispatchCommand, type CommandHandlers } from '../../../main/core/app/command-handlers.js';
import { appendRules, exportRulesFile, readRulesFile } from '../../../main/core/autoreply/rules-file.js';

type Listener = (payload: never) => void;
type HandleFn = (command: CommandName, args: unknown) => Promise<Result<unknown>>;

const notFound = (message: string): never => {
  throw new CommandRefused({ kind: 'not-found', message });
};

export class FakeCore implements CoreService {
  snap: Snapshot = {
    state: { kind: 'idle' },
    stateText: 'Not started',
    autoReply: { enabled: false },
    encryption: 'test',
    dataDir: '/fake/data',
    version: '0.1.0',
    storeResets: [],
  };
  settings: Settings = { ...DEFAULT_SETTINGS };
  rules: unknown[] = [];
  replies: ReplyView[] = [];
  activity: ActivityView[] = [];
  missed: MissedView[] = [];
  chats: ChatView[] = [];
  muted: MutedChatView[] = [];
  chatMemory: ChatMemoryView[] = [];
  /** Names of the secrets set through the fake; their values are not kept. */
  secretNames = new Set<string>();
  now = () => Date.now();
  private listeners = new Map<EventName, Set<Listener>>();

  private readonly handlers: CommandHandlers = {
    getSnapshot: () => structuredClone(this.snap),
    listReplies: () => structuredClone(this.replies),
    exportReplies: () => csv(['time', 'contact', 'number', 'status', 'text'], this.replies.map((r) => [r.at, r.contactName, r.contactMasked, r.status, r.text])),
    getHistory: () => ({ entries: [], countsByCause: {}, causeMeanings: {}, day: [], week: [] }),
    exportHistory: () => csv(['time', 'state', 'cause'], []),
    getSettings: () => ({ ...this.settings }),
    updateSettings: (patch) => {
      this.settings = { ...this.settings, ...patch };
      this.emit('settings', { ...this.settings });
      return { ...this.settings };
    },
    getRules: () => ({ rules: structuredClone(this.rules) }),
    setRules: ({ rules }) => ({ rules: (this.rules = structuredClone(rules)) }),
    setAutoReply: ({ enabled }) => this.setAutoReply({ enabled }),
    pauseAutoReply: ({ until }) =>
      this.setAutoReply(until === null ? { enabled: this.snap.autoReply.enabled } : { ...this.snap.autoReply, pausedUntil: until }),
    reconnectNow: () => (this.reconnectNow('user'), null),
    useHere: () => null,
    relink: () => null,
    requestQr: () => null,
    listMissed: () => structuredClone(this.missed),
    sendMissed: ({ id }) => this.takeMissed(id),
    skipMissed: ({ id }) => this.takeMissed(id),
    listActivity: () => structuredClone(this.activity),
    exportActivity: () => csv(['time', 'contact', 'number', 'outcome', 'reason'], this.activity.map((a) => [a.at, a.contactName, a.contactMasked, a.outcome, a.reason ?? ''])),
    tryRules: () => ({
      outcome: 'no-reply',
      reason: 'no-match',
      explanation: 'The fake core runs no rules.',
      rules: [],
      notes: [],
    }),
    listChats: () => structuredClone(this.chats),
    listMutedChats: () => structuredClone(this.muted),
    muteChat: ({ chatId, minutes }) => {
      const chat = this.chats.find((c) => c.chatId === chatId) ?? notFound('Replyline does not know this chat (any more).');
      const at = this.now();
      const view: MutedChatView = { chatId, name: chat.name, masked: chat.masked, isGroup: chat.isGroup, mutedAt: at, until: minutes === null ? null : at + minutes * 60_000 };
      this.muted = [...this.muted.filter((m) => m.chatId !== chatId), view];
      this.emit('muted', structuredClone(this.muted));
      return view;
    },
    unmuteChat: ({ chatId }) => {
      if (!this.muted.some((m) => m.chatId === chatId)) notFound('This chat is not muted.');
      this.muted = this.muted.filter((m) => m.chatId !== chatId);
      this.emit('muted', structuredClone(this.muted));
      return null;
    },
    exportRules: () => exportRulesFile(this.rules, this.now()),
    importRules: ({ json, mode }) => {
      const file = readRulesFile(json);
      if (!file.ok) throw new CommandRefused({ kind: 'invalid-rules', message: 'The file could not be imported.' });
      this.rules = mode === 'append' ? appendRules(this.rules, file.rules) : file.rules;
      return { rules: structuredClone(this.rules) };
    },
    dismissStoreReset: ({ id }) => {
      const before = this.snap.storeResets.length;
      this.snap.storeResets = this.snap.storeResets.filter((r) => r.id !== id);
      if (this.snap.storeResets.length === before) notFound('That message was already dismissed.');
      this.emit('store-resets', structuredClone(this.snap.storeResets));
      return structuredClone(this.snap.storeResets);
    },
    listSecrets: () => ({ canStore: true, secrets: [...this.secretNames].sort().map((name) => this.secretView(name)) }),
    setSecret: ({ name }) => (this.secretNames.add(name), this.secretView(name)),
    removeSecret: ({ name }) => {
      if (!this.secretNames.delete(name)) notFound(`No secret named “${name}” is stored.`);
      return null;
    },
    testResponder: () => ({ outcome: 'no-reply', error: 'The fake core asks no responder.', ms: 0 }),
    listChatMemory: () => structuredClone(this.chatMemory),
    forgetChat: ({ id }) => {
      if (!this.chatMemory.some((c) => c.id === id)) notFound('This chat has nothing kept (any more).');
      this.chatMemory = this.chatMemory.filter((c) => c.id !== id);
      return null;
    },
    forgetAllChats: () => ((this.chatMemory = []), null),
  };

  readonly handle = vi.fn<HandleFn>((command, args) => dispatchCommand(this.handlers, command, args)) as Mock<HandleFn> &
    CoreService['handle'];
  readonly reconnectNow = vi.fn((_trigger: 'resume' | 'network' | 'user') => undefined);
  readonly close = vi.fn(async () => undefined);
  readonly snapshot = vi.fn(() => structuredClone(this.snap));

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) (l as (p: EventPayloads[E]) => void)(payload);
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  setState(state: ConnectionState): void {
    this.snap.state = state;
    this.snap.stateText = describeState(state);
    this.emit('state', { state, stateText: this.snap.stateText });
  }

  private setAutoReply(next: Snapshot['autoReply']): Snapshot['autoReply'] {
    this.snap.autoReply = next;
    this.emit('auto-reply', { ...next });
    return { ...next };
  }

  private takeMissed(id: string): null {
    if (!this.missed.some((m) => m.id === id)) notFound('That message is no longer waiting.');
    this.missed = this.missed.filter((m) => m.id !== id);
    this.emit('missed', structuredClone(this.missed));
    return null;
  }

  private secretView(name: string): SecretView {
    return { name, set: true, source: 'stored', usedBy: [] };
  }
}

function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(String).join(',')).join('\n') + '\n';
}
