/**
 * Wire the link's events to the reply pipeline: `notify` (live) and `append` (offline sync)
 * upserts become `ReceivedMessage`s, handled in arrival order; calls that ended without being
 * accepted anywhere become messages of their own (`calls.ts`); and the owner reading a chat on another device (WhatsApp's read-self receipts) is
 * passed on, so replies still in their grace period there can be called back.
 *
 * Read-self receipts as Baileys reports them: in a 1:1 chat a `messages.update` with status READ
 * for a message that is not ours (`key.fromMe` false: only our own devices send receipts for
 * what others wrote to us); in a group a `message-receipt.update` whose reader is the account.
 */
import { proto } from '@whiskeysockets/baileys';
import type { Link, Unsubscribe } from '../connection/link.js';
import { sameUser } from '../connection/jid.js';
import { getLogger } from '../logging/logger.js';
import { CallTracker } from './calls.js';
import { toInbound, undecryptedPlaceholder } from './to-inbound.js';
import { UnreadableWatch } from './unreadable-watch.js';
import type { ReceivedMessage } from './types.js';

export interface InboundSink {
  handle(received: ReceivedMessage): Promise<unknown>;
  /** The owner read these messages of a chat on another device at `at`. */
  ownerRead?(chatJid: string, messageIds: readonly string[], at: number): Promise<unknown>;
  /** A message that could not be decrypted here, and no readable copy came (see unreadable-watch.ts). */
  unreadable?(received: ReceivedMessage): Promise<unknown>;
}

export interface AttachOptions {
  /** How long a message that could not be decrypted waits for a readable copy (default 2 min). */
  unreadableWaitMs?: number;
}

const READ = proto.WebMessageInfo.Status.READ;

export function attachInbound(
  link: Link,
  sink: InboundSink,
  now: () => number = () => Date.now(),
  options: AttachOptions = {},
): Unsubscribe {
  const log = getLogger('inbound');
  const unreadable = new UnreadableWatch({
    waitMs: options.unreadableWaitMs,
    onUnreadable: (received) => {
      sink.unreadable?.(received).catch((err: unknown) => log.error({ err }, 'recording an unreadable message failed'));
    },
  });
  const handle = (received: ReceivedMessage) =>
    sink.handle(received).catch((err: unknown) => log.error({ err }, 'handling an inbound message failed'));
  const reads = (byChat: Map<string, { ids: string[]; at: number }>) => {
    if (!sink.ownerRead) return;
    for (const [chatJid, { ids, at }] of byChat) {
      sink.ownerRead(chatJid, ids, at).catch((err: unknown) => log.error({ err }, 'handling a read on another device failed'));
    }
  };
  const calls = new CallTracker();
  const offs = [
    link.on('messages', ({ upsert }) => {
      if (upsert.type !== 'notify' && upsert.type !== 'append') return;
      const me = link.account();
      for (const m of upsert.messages) {
        const received = toInbound(m, me, upsert.type, now());
        if (received) {
          unreadable.readable(received.keys);
          void handle(received);
          continue;
        }
        const placeholder = undecryptedPlaceholder(m, me, upsert.type, now());
        if (placeholder && placeholder.message.kind !== 'status' && placeholder.message.kind !== 'broadcast' && placeholder.message.kind !== 'newsletter') {
          unreadable.placeholder(placeholder);
        }
      }
    }),
    link.on('calls', ({ calls: list }) => {
      const me = link.account();
      for (const call of list) {
        const received = calls.observe(call, me, now());
        if (received) void handle(received);
      }
    }),
    link.on('messages-update', ({ updates }) => {
      const byChat = new Map<string, { ids: string[]; at: number }>();
      for (const { key, update } of updates) {
        if (key.fromMe || !key.id || !key.remoteJid || typeof update.status !== 'number' || update.status < READ) continue;
        const at = secondsToMs(update.messageTimestamp) ?? now();
        addRead(byChat, key.remoteJid, key.id, at);
      }
      reads(byChat);
    }),
    link.on('message-receipts', ({ updates }) => {
      const me = link.account();
      if (!me) return;
      const byChat = new Map<string, { ids: string[]; at: number }>();
      for (const { key, receipt } of updates) {
        const reader = receipt.userJid;
        const readAt = receipt.readTimestamp;
        if (!key.id || !key.remoteJid || !reader || readAt === null || readAt === undefined) continue;
        if (!sameUser(reader, me.phoneJid) && !(me.lid !== undefined && sameUser(reader, me.lid))) continue;
        addRead(byChat, key.remoteJid, key.id, secondsToMs(readAt) ?? now());
      }
      reads(byChat);
    }),
  ];
  return () => {
    unreadable.stop();
    for (const off of offs) off();
  };
}

function addRead(byChat: Map<string, { ids: string[]; at: number }>, chatJid: string, id: string, at: number): void {
  const entry = byChat.get(chatJid);
  if (entry) {
    entry.ids.push(id);
    entry.at = Math.max(entry.at, at);
  } else {
    byChat.set(chatJid, { ids: [id], at });
  }
}

function secondsToMs(t: number | { toString(): string } | null | undefined): number | undefined {
  if (t === null || t === undefined) return undefined;
  const n = typeof t === 'number' ? t : Number(t.toString());
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}
