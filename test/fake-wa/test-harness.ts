/**
 * For the fake server's own tests: start a server per test, connect real Baileys clients to it,
 * pair them, and tear everything down after each test.
 */
import { afterEach, expect } from 'vitest';
import {
  connectClient,
  createMemoryAuth,
  FakeWaServer,
  installFakeCa,
  type AccountInfo,
  type MemoryAuth,
  type TestClient,
} from './index.js';

export type ClientConfig = Parameters<typeof connectClient>[2];

export interface FakeWaTestHarness {
  /** The server of the running test (after `start`). */
  readonly server: FakeWaServer;
  start(opts?: Parameters<typeof FakeWaServer.start>[0]): Promise<FakeWaServer>;
  /** Ends every client connected so far. */
  endAll(): void;
  /** A Baileys client on the server, ended after the test. */
  client(auth: MemoryAuth, config?: ClientConfig): TestClient;
  /** Pairs fresh creds with `account` and returns them with the first logged-in (open) client. */
  pairAndLogin(
    account?: AccountInfo,
    config?: ClientConfig,
  ): Promise<{ auth: MemoryAuth; c: TestClient; pairMs: number; loginMs: number }>;
}

/** Registers the per-test teardown; call once at the top of a test file. */
export function useFakeWa(): FakeWaTestHarness {
  let current: FakeWaServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    harness.endAll();
    await current?.close();
    current = undefined;
  });
  const harness: FakeWaTestHarness = {
    get server() {
      if (!current) throw new Error('start() the fake server first');
      return current;
    },
    async start(opts = {}) {
      current = await FakeWaServer.start(opts);
      installFakeCa(current);
      return current;
    },
    endAll() {
      for (const c of clients.splice(0)) c.end();
    },
    client(auth, config = {}) {
      const c = connectClient(harness.server.url, auth, config);
      clients.push(c);
      return c;
    },
    async pairAndLogin(account, config = {}) {
      const auth = createMemoryAuth();
      const reg = harness.client(auth);
      const qr = await reg.nextQr();
      const t0 = Date.now();
      await harness.server.scanQr(qr, account);
      const closed = await reg.closed;
      expect(closed.statusCode).toBe(515);
      const t1 = Date.now();
      const c = harness.client(auth, config);
      const openAt = await c.opened;
      return { auth, c, pairMs: t1 - t0, loginMs: openAt - t1 };
    },
  };
  return harness;
}

/** Text of an upsert, whichever field Baileys used. */
export function textOfUpsert(u: TestClient['upserts'][number]): string | undefined {
  const m = u.message.message;
  return m?.conversation ?? m?.extendedTextMessage?.text ?? undefined;
}
