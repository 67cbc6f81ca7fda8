/**
 * Wire the link's `messages` events to the reply pipeline: `notify` (live) and `append`
 * (offline sync) upserts become `ReceivedMessage`s, handled in arrival order.
 */
import type { Link, Unsubscribe } from '../connection/link.js';
import { getLogger } from '../logging/logger.js';
import { toInbound } from './to-inbound.js';
import type { ReceivedMessage } from './types.js';

export interface InboundSink {
  handle(received: ReceivedMessage): Promise<unknown>;
}

export function attachInbound(link: Link, sink: InboundSink, now: () => number = () => Date.now()): Unsubscribe {
  const log = getLogger('inbound');
  return link.on('messages', ({ upsert }) => {
    if (upsert.type !== 'notify' && upsert.type !== 'append') return;
    const me = link.account();
    for (const m of upsert.messages) {
      const received = toInbound(m, me, upsert.type, now());
      if (!received) continue;
      sink.handle(received).catch((err: unknown) => log.error({ err }, 'handling an inbound message failed'));
    }
  });
}
