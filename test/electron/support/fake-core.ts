/**
 * A small stand-in for the real CoreService: it validates payloads with the contract's schemas
 * (as the real one does), keeps the auto-reply switch and settings in memory, emits the matching
 * events, and records every call so specs can assert what the shell asked for.
 */
import { vi, type Mock } from 'vitest';
import type { z } from 'zod';
import {
  commandSchemas,
  DEFAULT_SETTINGS,
  type CommandName,
  type EventName,
  type EventPayloads,
  type Result,
  type Settings,
  type Snapshot,
} from '../../../main/contract/api.js';
import type { CoreService } from '../../../main/core/app/core-service.js';
import type { ConnectionState } from '../../../main/contract/api.js';
import { describeState } from '../../../main/contract/api.js';

type Listener = (payload: never) => void;
type HandleFn = (command: CommandName, args: unknown) => Promise<Result<unknown>>;

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
  private listeners = new Map<EventName, Set<Listener>>();

  readonly handle = vi.fn<HandleFn>(async (command, args) => {
    const parsed = (commandSchemas[command] as z.ZodType).safeParse(args);
    if (!parsed.success) return { ok: false, error: { kind: 'invalid-payload', message: 'invalid' } };
    return { ok: true, value: this.run(command, parsed.data) };
  }) as Mock<HandleFn> & CoreService['handle'];
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

  private run(command: CommandName, args: unknown): unknown {
    switch (command) {
      case 'getSnapshot':
        return structuredClone(this.snap);
      case 'setAutoReply': {
        const { enabled } = args as { enabled: boolean };
        this.snap.autoReply = { enabled };
        this.emit('auto-reply', { ...this.snap.autoReply });
        return { ...this.snap.autoReply };
      }
      case 'pauseAutoReply': {
        const { until } = args as { until: number | null };
        this.snap.autoReply = until === null ? { enabled: this.snap.autoReply.enabled } : { ...this.snap.autoReply, pausedUntil: until };
        this.emit('auto-reply', { ...this.snap.autoReply });
        return { ...this.snap.autoReply };
      }
      case 'getSettings':
        return { ...this.settings };
      case 'updateSettings':
        this.settings = { ...this.settings, ...(args as Partial<Settings>) };
        this.emit('settings', { ...this.settings });
        return { ...this.settings };
      default:
        return null;
    }
  }
}
