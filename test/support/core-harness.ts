/**
 * The whole core (createCoreService: controller, outbox, pipeline, engine, logs) against the
 * fake WhatsApp server, with short timeouts so failing scenarios fail fast.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { createCoreService, type Core, type CreateCoreOptions } from '../../main/core/app/create-core.js';
import type { ReplyView } from '../../main/contract/api.js';
import { toReplyView } from '../../main/core/replylog/index.js';
import { socketConfig, TEST_KEY_WRAPPER, waitForState } from './wa-harness.js';
import { until } from './poll.js';
import { registerSecret } from '../setup/log-capture.js';

export async function startCore(
  server: FakeWaServer,
  dataDir: string,
  options: Partial<CreateCoreOptions> = {},
): Promise<Core> {
  return createCoreService({
    dataDir,
    keyWrapper: TEST_KEY_WRAPPER,
    timeZone: 'UTC',
    ...options,
    socketConfig: socketConfig(server, options.socketConfig),
    controller: { backoff: { baseMs: 50, capMs: 500, random: () => 1 }, ...options.controller },
    outbox: { ackTimeoutMs: 2_000, ...options.outbox },
    rateLimits: { global: { max: 10_000, windowMs: 60_000 }, perConversation: { max: 10_000, windowMs: 60_000 }, ...options.rateLimits },
  });
}

/** Scan the core's QR with the fake phone (for `account`) and wait for the link to open. */
export async function pairCore(server: FakeWaServer, core: Core, account?: Parameters<FakeWaServer['scanQr']>[1]): Promise<void> {
  const qr = await waitForState(core.controller, 'awaiting-qr');
  await server.scanQr(qr.qr, account);
  await waitForState(core.controller, 'open');
}

/** A rule that answers everything at once with "Re: <message>". */
export function echoRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'echo',
    name: 'Echo',
    match: { type: 'any' },
    reply: { type: 'template', text: 'Re: {message}' },
    delay: { minMs: 0, maxMs: 0, typing: false },
    cooldownMs: 10_000,
    ...overrides,
  };
}

export async function useRules(core: Core, rules: Record<string, unknown>[]): Promise<void> {
  const set = await core.handle('setRules', { rules });
  if (!set.ok) throw new Error(`rules rejected: ${JSON.stringify(set.error)}`);
  const on = await core.handle('setAutoReply', { enabled: true });
  if (!on.ok) throw new Error('could not enable auto-reply');
}

/** Every reply the reply log holds, newest first. */
export async function replies(core: Core): Promise<ReplyView[]> {
  const r = await core.handle('listReplies', { limit: 10_000 });
  if (!r.ok) throw new Error('listReplies failed');
  return r.value;
}

/** Wait until the reply log has an entry matching `pred`; returns it. */
export async function waitForReply(core: Core, pred: (r: ReplyView) => boolean, timeoutMs = 15_000, what = 'reply'): Promise<ReplyView> {
  let found: ReplyView | undefined;
  await until(() => {
    found = core.replyLog.query({}).map(toReplyView).find(pred);
    return found !== undefined;
  }, timeoutMs, what);
  return found!;
}

/** Send a text from a contact, registering it as a secret for the log privacy check. */
export async function say(contact: { sendText: FakeContactSend }, account: Parameters<FakeContactSend>[0], text: string, opts?: Parameters<FakeContactSend>[2]): Promise<string> {
  registerSecret(text);
  registerSecret(`Re: ${text}`);
  return contact.sendText(account, text, opts);
}
type FakeContactSend = ReturnType<FakeWaServer['createContact']>['sendText'];

/** The contact received reply `id` exactly once, with exactly this text. */
export function expectDeliveredOnce(server: FakeWaServer, contact: { phoneJid: string }, id: string, text: string): void {
  const copies = server.record.messagesWithId(id).filter((m) => m.to === contact.phoneJid);
  expect(copies.map((c) => c.text)).toEqual([text]);
}

/** A webhook responder the test releases by hand: each request waits until `release()`. */
export async function startHeldWebhook(): Promise<{
  url: string;
  requests: number;
  waiting: () => number;
  release: (reply?: (body: { message?: { text?: string } }) => string) => void;
  close: () => Promise<void>;
}> {
  const held: Array<{ res: ServerResponse; body: { message?: { text?: string } } }> = [];
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      held.push({ res, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { message?: { text?: string } } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/reply`,
    get requests() {
      return requests;
    },
    waiting: () => held.length,
    release: (reply = (b) => `Slow: ${b.message?.text ?? ''}`) => {
      for (const { res, body } of held.splice(0)) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ reply: reply(body) }));
      }
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
