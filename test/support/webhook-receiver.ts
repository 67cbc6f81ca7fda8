/**
 * A webhook receiver written the way the README tells a person to write one: it checks the
 * signature (HMAC-SHA256 of `<timestamp>.<raw body>` with the shared secret, compared in constant
 * time), refuses a timestamp more than five minutes away, and keys its side effects on the
 * idempotency key. Independent of Replyline's own signing code, so it checks the format, not the
 * implementation against itself.
 *
 * Requests can be held (answered later by `release()`), to catch Replyline in the middle of
 * generating a reply.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  /** The signature checked out with the secret (false also when there was none). */
  verified: boolean;
  /** Why it did not, in a word. */
  problem?: 'no-signature' | 'bad-signature' | 'stale' | 'no-timestamp';
  timestamp: number;
  idempotencyKey: string | undefined;
  headers: IncomingMessage['headers'];
  raw: string;
  body: { replyId?: string; test?: boolean; message?: { id?: string; text?: string }; [k: string]: unknown };
}

export interface WebhookReceiver {
  url: string;
  calls: ReceivedCall[];
  /** Hold every call until `release()`. */
  hold(on: boolean): void;
  waiting(): number;
  /** Answer the held calls (default: "Hook: <message text>"). */
  release(reply?: (call: ReceivedCall) => string): void;
  /** The receiver's side effects: one per idempotency key, however often the same key comes. */
  effects: string[];
  close(): Promise<void>;
}

const TOLERANCE_S = 5 * 60;

/** The README's verification, as a receiver would write it. */
export function verifySignature(secret: string, headers: IncomingMessage['headers'], raw: string, nowMs = Date.now()): ReceivedCall['problem'] | undefined {
  const timestamp = String(headers['x-replyline-timestamp'] ?? '');
  const signature = String(headers['x-replyline-signature'] ?? '');
  if (!/^\d+$/.test(timestamp)) return 'no-timestamp';
  if (!signature.startsWith('v1=')) return 'no-signature';
  const expected = createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  const given = Buffer.from(signature.slice(3), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) return 'bad-signature';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_S) return 'stale';
  return undefined;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const calls: ReceivedCall[] = [];
  const held: Array<{ res: ServerResponse; call: ReceivedCall }> = [];
  const effects: string[] = [];
  const seenKeys = new Set<string>();
  let holding = false;

  const answer = (res: ServerResponse, _call: ReceivedCall, reply: string) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ reply }));
  };
  const defaultReply = (call: ReceivedCall) => `Hook: ${call.body.message?.text ?? ''}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const problem = verifySignature(secret, req.headers, raw);
      let body: ReceivedCall['body'] = {};
      try {
        body = JSON.parse(raw) as ReceivedCall['body'];
      } catch {
        // recorded as is; refused below
      }
      const key = req.headers['idempotency-key'];
      const call: ReceivedCall = {
        verified: problem === undefined,
        ...(problem ? { problem } : {}),
        timestamp: Number(req.headers['x-replyline-timestamp']),
        idempotencyKey: typeof key === 'string' ? key : undefined,
        headers: req.headers,
        raw,
        body,
      };
      calls.push(call);
      if (problem) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `signature check failed: ${problem}` }));
        return;
      }
      // The side effect, once per idempotency key (what the key is for).
      if (call.idempotencyKey && !seenKeys.has(call.idempotencyKey)) {
        seenKeys.add(call.idempotencyKey);
        effects.push(call.idempotencyKey);
      }
      if (holding) held.push({ res, call });
      else answer(res, call, defaultReply(call));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    effects,
    hold: (on) => {
      holding = on;
    },
    waiting: () => held.length,
    release: (reply = defaultReply) => {
      for (const { res, call } of held.splice(0)) {
        // A call whose sender has gone (a killed process) has nobody to answer: no side effect.
        if (res.destroyed || res.socket?.destroyed) continue;
        answer(res, call, reply(call));
      }
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
