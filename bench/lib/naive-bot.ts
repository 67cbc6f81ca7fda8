/**
 * The baseline of row 1: a bot on a bare Baileys socket that waits "the way common bots do". It
 * holds a reply to send; the link drops; it reconnects when the network is back; meanwhile it
 * retries `sendMessage` on a backoff timer (1, 2, 4 … s) until an attempt finds the socket open.
 *
 * With `policy: 'on-open'` it instead sends the held reply from its own `open` handler: the
 * floor of what any client can do with Baileys (no durable outbox, nothing but the send path).
 */
import { connectClient, type AccountInfo, type FakeWaServer, type MemoryAuth, type TestClient } from '../../test/fake-wa/index.js';
import { NO_HISTORY_SYNC } from '../clients/protocol.js';
import { now, sleep } from '../support.js';

export type BotPolicy = 'retry-timer' | 'on-open';

export interface BotTrial {
  /** When the socket that carried the reply opened. */
  openAt: number;
  /** When the attempt that went through started (the retry timer fired). */
  attemptAt: number;
  /** When the server received the stanza. */
  stanzaAt: number;
  /** Attempts made, the failed ones included. */
  attempts: number;
}

const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;

export class NaiveBot {
  private client: TestClient;
  private isOpen = true;
  private openAt = now();
  private pendingOnOpen: (() => void) | undefined;
  private seq = 0;

  constructor(
    private readonly server: FakeWaServer,
    private readonly auth: MemoryAuth,
    readonly account: AccountInfo,
    client: TestClient,
    private readonly policy: BotPolicy,
  ) {
    this.client = client;
    this.watch(client);
  }

  /**
   * One outage: the server drops the link; the bot, holding a reply for `to`, reconnects after
   * `outageMs`. Resolves when the server has the reply's stanza.
   */
  async trial(to: string, outageMs: number): Promise<BotTrial> {
    const id = `3EB0BENCH${this.account.phoneNumber.slice(-4)}${(this.seq++).toString(16).toUpperCase().padStart(6, '0')}`;
    let stanzaAt = 0;
    const stanza = this.server.waitForEvent<{ id: string }>('client-message', (m) => m.id === id, 60_000).then(() => {
      stanzaAt = now();
    });
    const closed = this.client.closed;
    this.server.faults.closeSocket(this.account);
    await closed;
    this.isOpen = false;
    // The network comes back after the outage; the bot then opens a new socket at once.
    void sleep(outageMs).then(() => this.reconnect());

    let attempts = 0;
    let attemptAt = 0;
    const attempt = async () => {
      attempts++;
      if (!this.isOpen) throw new Error('not connected');
      attemptAt = now();
      await this.client.sock.sendMessage(to, { text: `reply ${id}` }, { messageId: id });
    };
    if (this.policy === 'retry-timer') {
      for (let k = 0; ; k++) {
        try {
          await attempt();
          break;
        } catch {
          await sleep(Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** k));
        }
      }
    } else {
      await new Promise<void>((resolve) => {
        this.pendingOnOpen = () => void attempt().then(resolve, resolve);
      });
    }
    await stanza;
    const openAt = this.openAt;
    // Let the ack arrive before the next outage.
    await this.server.waitFor(() => this.server.record.acks.some((a) => a.id === id), 10_000, 'ack');
    return { openAt, attemptAt, stanzaAt, attempts };
  }

  end(): void {
    this.client.end();
  }

  private reconnect(): void {
    const client = connectClient(this.server.url, this.auth, { ...NO_HISTORY_SYNC });
    this.client = client;
    this.watch(client);
  }

  private watch(client: TestClient): void {
    client.sock.ev.on('connection.update', (u) => {
      if (this.client !== client) return;
      if (u.connection === 'open') {
        this.openAt = now();
        this.isOpen = true;
        const pending = this.pendingOnOpen;
        this.pendingOnOpen = undefined;
        pending?.();
      }
      if (u.connection === 'close') this.isOpen = false;
    });
  }
}
