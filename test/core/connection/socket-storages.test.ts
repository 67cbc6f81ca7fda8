/**
 * Baileys' per-socket AsyncLocalStorage must not stay enabled after its socket is gone: Node
 * would copy a slot for each onto every later promise and timer (socket-storages.ts). Against the
 * fake server with the real Baileys client: five drops, a message decrypted on every socket, and
 * the process ends up with one storage more than it started with, not six.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { ConnectionController } from '../../../main/core/connection/controller.js';
import { collectStorages, enabledStorageCount } from '../../../main/core/connection/socket-storages.js';
import { tempDir } from '../../support/temp-dir.js';
import { pairNew, startFakeWa, waitForState } from '../../support/wa-harness.js';
import { until } from '../../support/poll.js';

describe('collectStorages', () => {
  it('returns the storages built during the call, and only those', () => {
    const before = new AsyncLocalStorage();
    const { value, storages } = collectStorages(() => [new AsyncLocalStorage(), new AsyncLocalStorage()]);
    const after = new AsyncLocalStorage();
    expect(storages).toEqual(value);
    expect(storages).not.toContain(before);
    expect(storages).not.toContain(after);
    // They are real storages, and the class is Node's own again.
    expect(storages[0]).toBeInstanceOf(AsyncLocalStorage);
    expect(storages[0]!.run(7, () => storages[0]!.getStore())).toBe(7);
    expect(Object.getPrototypeOf(after)).toBe(AsyncLocalStorage.prototype);
  });

  it('puts the class back when the call throws', () => {
    expect(() =>
      collectStorages(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Object.getPrototypeOf(new AsyncLocalStorage())).toBe(AsyncLocalStorage.prototype);
  });

  it('a disabled storage stops costing, and enables itself again when it runs', () => {
    const base = enabledStorageCount();
    const { storages } = collectStorages(() => [new AsyncLocalStorage<number>()]);
    const storage = storages[0]!;
    storage.run(1, () => undefined);
    expect(enabledStorageCount()).toBe(base + 1);
    storage.disable();
    expect(enabledStorageCount()).toBe(base);
    expect(storage.run(2, () => storage.getStore())).toBe(2);
    storage.disable();
  });
});

describe('the controller lets the storages of retired sockets go', () => {
  let server: FakeWaServer;
  let controller: ConnectionController | undefined;

  beforeEach(async () => {
    server = await startFakeWa();
  });

  afterEach(async () => {
    await controller?.close();
    controller = undefined;
    await server.close();
  });

  it('after five drops, with a message decrypted on every socket, one storage more than at the start', async () => {
    const base = enabledStorageCount();
    // Short waits between reconnects: the schedule is not what this test is about.
    controller = await pairNew(server, tempDir(), { backoff: { baseMs: 10, capMs: 50, healthyAfterMs: 0 } });
    const account = server.defaultAccount;
    const alice = server.createContact({ name: 'Alice' });
    let received = 0;
    controller.on('messages', ({ upsert }) => (received += upsert.messages.filter((m) => !m.key.fromMe).length));
    for (let drop = 0; drop <= 5; drop++) {
      if (drop > 0) {
        server.faults.closeSocket();
        await until(() => controller!.state.kind !== 'open', 10_000, `drop ${drop}`);
        await waitForState(controller, 'open');
      }
      // A decryption runs a key-store transaction: the socket's storage is enabled from then on.
      await alice.sendText(account, `message ${drop}`);
      await until(() => received === drop + 1, 10_000, `message ${drop} on socket ${drop + 1}`);
    }
    expect(server.record.connections.filter((c) => c.kind !== 'refused').length).toBeGreaterThanOrEqual(6);
    expect(enabledStorageCount() - base).toBe(1);
    await controller.close();
    controller = undefined;
    expect(enabledStorageCount() - base).toBe(0);
  }, 60_000);
});
