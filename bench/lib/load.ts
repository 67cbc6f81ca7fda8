/**
 * Inbound load for the throughput and memory rows: contacts of the fake server write to the
 * account, and the server counts the replies it acknowledged.
 */
import type { FakeContact, FakeWaServer, AccountInfo, AckRecord, ReceivedMessage } from '../../test/fake-wa/index.js';

/**
 * Keyword rules so that every message gets a reply although each rule has the minimum 10 s
 * cooldown per chat: message k of a contact says `q<k mod n>` and only rule `q<k mod n>` matches,
 * so no (chat, rule) pair answers twice within the run. Plus `warm` (unless `warm` is false),
 * used by the warm-up.
 */
export function loadRules(n: number, warm = true): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (const text of [...(warm ? ['warm'] : []), ...Array.from({ length: n }, (_, i) => `q${i}`)]) {
    rules.push({
      id: `r-${text}`,
      name: `Rule ${text}`,
      match: { type: 'exact', text },
      reply: { type: 'template', text: 'Re: {message}' },
      delay: { minMs: 0, maxMs: 0, typing: false },
      cooldownMs: 10_000,
    });
  }
  return rules;
}

/** Counts replies (texts starting with "Re: ") that contacts decrypted and the server acked. */
export class ReplyCounter {
  acked = 0;
  /** performance.now() of the last counted ack. */
  lastAckAt = 0;
  private readonly replyIds = new Set<string>();
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly server: FakeWaServer,
    contacts: FakeContact[],
  ) {
    const jids = new Set(contacts.map((c) => c.phoneJid));
    const onMessage = (m: ReceivedMessage) => {
      if (jids.has(m.to) && m.text?.startsWith('Re: ')) this.replyIds.add(m.id);
    };
    const onAck = (a: AckRecord) => {
      if (a.outcome !== 'sent' || !this.replyIds.delete(a.id)) return;
      this.acked++;
      this.lastAckAt = performance.now();
      for (const w of [...this.waiters]) {
        if (this.acked >= w.n) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    server.on('message', onMessage);
    server.on('ack', onAck);
    this.offs.push(() => server.off('message', onMessage), () => server.off('ack', onAck));
  }

  /** Resolves once `n` replies in total were acked. */
  reach(n: number, timeoutMs: number): Promise<void> {
    if (this.acked >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.acked} of ${n} replies acked in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /**
   * Resolves once `n` replies were acked, or once no new reply was acked for `stallMs` (then
   * the caller sees `acked < n` and reports it).
   */
  async settle(n: number, stallMs: number, timeoutMs: number): Promise<void> {
    const start = Date.now();
    let last = this.acked;
    let lastChange = Date.now();
    while (this.acked < n) {
      if (Date.now() - start > timeoutMs) return;
      await new Promise((r) => setTimeout(r, 50));
      if (this.acked !== last) {
        last = this.acked;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) return;
    }
  }

  dispose(): void {
    for (const off of this.offs) off();
  }
}

/** Each contact writes `texts(i)` in order; contacts write concurrently. Resolves when all are handed to the server. */
export async function writeAll(contacts: FakeContact[], account: AccountInfo, count: number, text: (k: number) => string): Promise<void> {
  await Promise.all(
    contacts.map(async (c) => {
      for (let k = 0; k < count; k++) await c.sendText(account, text(k));
    }),
  );
}
