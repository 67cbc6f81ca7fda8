/**
 * The deterministic reproduction of an inbound loss the chaos suite found (inbound-storm.test.ts).
 *
 * Baileys holds events back in a buffer — during the offline phase after each login (until
 * `<ib><offline/>`) and around each stanza it processes — and releases them with `ev.flush()`.
 * A message in that buffer has already been decrypted (its Signal keys are used up) and its
 * receipt has already gone to the server, so the server will never send it again. When the socket
 * ends, Baileys' `end()` emits `connection.update: close` and then `ev.destroy()`, which throws
 * the buffer away. Unless the controller flushes the buffer while it handles that close, the
 * message is gone: never answered, never in any list, nobody told.
 *
 * Here the Baileys socket is replaced by a stand-in built on Baileys' own event buffer
 * (`makeEventBuffer`) that ends the way Baileys' `end()` does; everything else is real.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Baileys from '@whiskeysockets/baileys';
import type { makeEventBuffer, WAMessage } from '@whiskeysockets/baileys';
import { ConnectionController } from '../../main/core/connection/controller.js';
import { tempDir } from '../support/temp-dir.js';
import { waitForState } from '../support/wa-harness.js';

interface StandInSocket {
  ev: ReturnType<typeof makeEventBuffer>;
  ws: EventEmitter;
  /** What Baileys' end() does: emit the close, drop the listeners, destroy the buffer. */
  end(error?: Error): void;
}

const sockets = vi.hoisted(() => [] as StandInSocket[]);

vi.mock('@whiskeysockets/baileys', async (importOriginal) => {
  const real = await importOriginal<typeof Baileys>();
  const quiet = { level: 'silent', trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
  const makeSocket = () => {
    const ev = real.makeEventBuffer(quiet as never);
    let ended = false;
    const sock: StandInSocket = {
      ev,
      ws: new EventEmitter(),
      end(error) {
        if (ended) return;
        ended = true;
        ev.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
        ev.removeAllListeners('connection.update');
        ev.destroy();
      },
    };
    sockets.push(sock);
    return sock;
  };
  return { ...real, default: makeSocket, makeWASocket: makeSocket };
});

const controllers: ConnectionController[] = [];

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.close();
  sockets.length = 0;
});

function inbound(id: string): WAMessage {
  return { key: { remoteJid: '15550009999@s.whatsapp.net', id, fromMe: false }, message: { conversation: 'buffered hello' }, messageTimestamp: Math.floor(Date.now() / 1000) };
}

async function openController(): Promise<{ controller: ConnectionController; sock: StandInSocket; seen: string[] }> {
  const controller = await ConnectionController.create({ sessionDir: tempDir('buffered-') });
  controllers.push(controller);
  // A paired session: the creds name the account.
  controller.session!.state.creds.me = { id: '15550001111:7@s.whatsapp.net', lid: '98765432100:7@lid' };
  const seen: string[] = [];
  controller.on('messages', ({ upsert }) => seen.push(...upsert.messages.map((m) => m.key.id!)));
  controller.start();
  const sock = sockets.at(-1)!;
  sock.ev.emit('connection.update', { connection: 'open' });
  await waitForState(controller, 'open');
  return { controller, sock, seen };
}

const dropped = () => Object.assign(new Error('Connection Terminated'), { output: { statusCode: 428 } });

describe('events Baileys buffered when the socket ends', () => {
  it('an unbuffered message reaches the core at once (control)', async () => {
    const { sock, seen } = await openController();
    sock.ev.emit('messages.upsert', { type: 'notify', messages: [inbound('LIVE-1')] });
    expect(seen).toEqual(['LIVE-1']);
  });

  it('a message decrypted and receipted during the offline phase still reaches the core when the link drops', async () => {
    const { controller, sock, seen } = await openController();
    // Baileys is holding events back (the offline phase after login, or mid-stanza) and has
    // decrypted and receipted one message: it sits in the buffer.
    sock.ev.buffer();
    sock.ev.emit('messages.upsert', { type: 'append', messages: [inbound('BUFFERED-1')] });
    expect(seen).toEqual([]);
    // The link drops before the buffer is flushed.
    sock.end(dropped());
    expect(controller.state.kind).toBe('reconnecting');
    expect(seen, 'the buffered message must reach the core before the buffer is destroyed').toEqual(['BUFFERED-1']);
  });

  it('the same when the controller itself ends the socket (a reconnect the person asked for, a silent link)', async () => {
    const { controller, sock, seen } = await openController();
    sock.ev.buffer();
    sock.ev.emit('messages.upsert', { type: 'notify', messages: [inbound('BUFFERED-2')] });
    controller.stop();
    expect(seen).toEqual(['BUFFERED-2']);
  });
});
