import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, type ReplylineApi } from '../../main/contract/api.js';
import type { ReplylineBridge } from '../../preload/preload.js';
import { contextBridge, ipcRenderer } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

let api: ReplylineBridge;

// Compile-time: the bridge is usable wherever the contract's API is expected.
const _assignable: (b: ReplylineBridge) => ReplylineApi = (b) => b;

describe('preload bridge', () => {
  beforeAll(async () => {
    await import('../../preload/preload.js');
    api = contextBridge.exposed.get('replyline') as ReplylineBridge;
  });
  beforeEach(() => ipcRenderer.invoke.mockClear());

  it('exposes exactly one object with two verbs, and no ipcRenderer', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['replyline']);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect(JSON.stringify(Object.keys(api))).not.toContain('ipc');
  });

  it('invoke sends the command on its own channel and returns the main side result', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { enabled: true } });
    await expect(api.invoke('setAutoReply', { enabled: true })).resolves.toEqual({ ok: true, value: { enabled: true } });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(IPC_COMMAND_PREFIX + 'setAutoReply', { enabled: true });
  });

  it('invoke resolves to an error result when main cannot answer', async () => {
    ipcRenderer.invoke.mockRejectedValueOnce(new Error("No handler registered for 'replyline:cmd:nope'"));
    await expect(api.invoke('nope' as 'getSnapshot')).resolves.toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
    await expect(api.invoke(42 as unknown as 'getSnapshot')).resolves.toMatchObject({ ok: false });
  });

  it('on delivers only the payload of its own event, and unsubscribes', () => {
    const onState = vi.fn();
    const onReply = vi.fn();
    const off = api.on('state', onState);
    api.on('reply', onReply);
    const payload = { state: { kind: 'conflict' }, stateText: 'x' };
    ipcRenderer.emit(IPC_EVENT_CHANNEL, { sender: 'raw ipc event' }, { event: 'state', payload });
    expect(onState).toHaveBeenCalledTimes(1);
    expect(onState).toHaveBeenCalledWith(payload);
    expect(onReply).not.toHaveBeenCalled();
    off();
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'state', payload });
    expect(onState).toHaveBeenCalledTimes(1);
  });

  it('ignores malformed messages and survives a throwing listener', () => {
    const good = vi.fn();
    api.on('history', () => {
      throw new Error('listener bug');
    });
    api.on('history', good);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'not-an-event', payload: 1 });
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, 'garbage');
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'history', payload: { seq: 1 } });
    expect(good).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('refuses unknown events and non-function listeners', () => {
    expect(() => api.on('nope' as 'state', () => undefined)).toThrow(/unknown event/);
    expect(() => api.on('state', 'x' as unknown as () => void)).toThrow(/function/);
  });
});
