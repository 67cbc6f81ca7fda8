/**
 * Wiring for integration tests: the real Baileys client (through our controller) against the
 * fake WhatsApp server. Short timeouts keep failing scenarios fast.
 */
import type { UserFacingSocketConfig } from '@whiskeysockets/baileys';
import { FakeWaServer, installFakeCa } from '../fake-wa/index.js';
import { ConnectionController, type ControllerOptions } from '../../main/core/connection/controller.js';
import type { ConnectionState, ConnectionStateKind } from '../../main/contract/api.js';
import { passphraseKeyWrapper } from '../../main/core/storage/cipher.js';

export const TEST_KEY_WRAPPER = passphraseKeyWrapper(Buffer.alloc(32, 7));

export async function startFakeWa(options: Parameters<typeof FakeWaServer.start>[0] = {}): Promise<FakeWaServer> {
  const server = await FakeWaServer.start(options);
  installFakeCa(server);
  return server;
}

export function socketConfig(server: FakeWaServer, extra: Partial<UserFacingSocketConfig> = {}): Partial<UserFacingSocketConfig> {
  return {
    waWebSocketUrl: server.url,
    connectTimeoutMs: 5_000,
    defaultQueryTimeoutMs: 5_000,
    keepAliveIntervalMs: 10_000,
    ...extra,
  };
}

export async function createController(
  server: FakeWaServer,
  sessionDir: string,
  options: Partial<ControllerOptions> = {},
): Promise<ConnectionController> {
  return ConnectionController.create({
    sessionDir,
    keyWrapper: TEST_KEY_WRAPPER,
    ...options,
    socketConfig: socketConfig(server, options.socketConfig),
  });
}

/** Resolve with the first state of `kind` (now or later). */
export function waitForState<K extends ConnectionStateKind>(
  controller: ConnectionController,
  kind: K,
  timeoutMs = 10_000,
): Promise<Extract<ConnectionState, { kind: K }>> {
  type S = Extract<ConnectionState, { kind: K }>;
  if (controller.state.kind === kind) return Promise.resolve(controller.state as S);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for state ${kind}; state is ${controller.state.kind}`));
    }, timeoutMs);
    const off = controller.on('state', (s) => {
      if (s.kind !== kind) return;
      clearTimeout(timer);
      off();
      resolve(s as S);
    });
  });
}

/** Record every state the controller passes through. */
export function recordStates(controller: ConnectionController): ConnectionStateKind[] {
  const seen: ConnectionStateKind[] = [];
  controller.on('state', (s) => seen.push(s.kind));
  return seen;
}

/** Start a controller on a fresh folder, scan its QR with the fake phone, wait for open. */
export async function pairNew(
  server: FakeWaServer,
  sessionDir: string,
  options: Partial<ControllerOptions> & { account?: Parameters<FakeWaServer['scanQr']>[1] } = {},
): Promise<ConnectionController> {
  const controller = await createController(server, sessionDir, options);
  const qr = waitForState(controller, 'awaiting-qr');
  controller.start();
  await server.scanQr((await qr).qr, options.account);
  await waitForState(controller, 'open');
  return controller;
}
