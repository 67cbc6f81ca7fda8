import type { SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { keysWhileOpen, SocketClosedError } from '../../../main/core/connection/keys-while-open.js';

/** An in-memory key store that counts what reaches it. */
function memoryKeys() {
  const data: Record<string, Record<string, unknown>> = {};
  const calls = { get: 0, set: 0, clear: 0 };
  const keys: SignalKeyStore = {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      calls.get++;
      const out: Record<string, SignalDataTypeMap[T]> = {};
      for (const id of ids) if (data[type]?.[id] !== undefined) out[id] = data[type]![id] as SignalDataTypeMap[T];
      return out;
    },
    set: async (update) => {
      calls.set++;
      for (const [type, values] of Object.entries(update)) Object.assign((data[type] ??= {}), values);
    },
    clear: async () => {
      calls.clear++;
    },
  };
  return { keys, calls };
}

describe('keysWhileOpen', () => {
  it('passes reads and writes through while the socket is open', async () => {
    const { keys, calls } = memoryKeys();
    const gated = keysWhileOpen(keys, { open: true });
    await gated.set({ session: { 'a.0': new Uint8Array([1]) } });
    expect(await gated.get('session', ['a.0'])).toEqual({ 'a.0': new Uint8Array([1]) });
    await gated.clear!();
    expect(calls).toEqual({ get: 1, set: 1, clear: 1 });
  });

  it('shows every write to the watcher, also after the socket closed (memos derived from keys forget with it)', async () => {
    const { keys } = memoryKeys();
    const gate = { open: true };
    const seen: unknown[] = [];
    const gated = keysWhileOpen(keys, gate, (data) => seen.push(data));
    await gated.set({ tctoken: { '42@lid': null } });
    gate.open = false;
    await gated.set({ 'lid-mapping': { '1555': '42' } });
    expect(seen).toEqual([{ tctoken: { '42@lid': null } }, { 'lid-mapping': { '1555': '42' } }]);
  });

  it('refuses reads once the socket closed, before they reach the store, and still lets writes through', async () => {
    const { keys, calls } = memoryKeys();
    const gate = { open: true };
    const gated = keysWhileOpen(keys, gate);
    await gated.set({ session: { 'a.0': new Uint8Array([1]) } });
    gate.open = false;
    await expect(gated.get('session', ['a.0'])).rejects.toBeInstanceOf(SocketClosedError);
    expect(calls.get).toBe(0);
    // A transaction that read its keys while open still commits (a reply's sending counter).
    await gated.set({ session: { 'a.0': new Uint8Array([2]) } });
    expect(await keys.get('session', ['a.0'])).toEqual({ 'a.0': new Uint8Array([2]) });
  });
});
