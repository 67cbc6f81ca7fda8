/**
 * What each close of a Baileys socket means, and what Replyline does about it.
 *
 * This is the connection policy table of PRODUCT.md in code: one classifier
 * (`classifyClose`) and one table (`CLOSE_POLICY`). A close is classified by what the
 * server said, not by the status code alone: Baileys reports
 * `<stream:error><conflict type="device_removed"/></stream:error>` as 440, yet it means
 * the phone removed this device — a logout, not "open elsewhere".
 */

/** Why a socket closed, in Replyline's words. */
export type CloseCause =
  | 'restart-required'
  | 'connection-closed'
  | 'connection-lost'
  | 'timed-out'
  | 'service-unavailable'
  | 'network-error'
  | 'silent-link'
  | 'replaced'
  | 'device-removed'
  | 'logged-out'
  | 'forbidden'
  | 'multidevice-mismatch'
  | 'bad-session'
  | 'qr-expired'
  | 'user'
  | 'unknown';

/** What the controller does after a close. */
export type CloseAction =
  /** Open a new socket at once; not a failure (515 after pairing). */
  | 'reconnect-now'
  /** Transient: reconnect after the capped exponential backoff. */
  | 'backoff'
  /** Stop; ask the person: use here or relink. Keep queued replies. */
  | 'stop-conflict'
  /** Wipe the session (not settings, logs or history) and start a fresh pairing. */
  | 'wipe-and-pair'
  /** Stop; explain; never retry. */
  | 'stop-forbidden'
  /** The session is unusable; prompt to relink. */
  | 'needs-relink'
  /** Pairing ran out of QR refs; wait for `requestQr()`. */
  | 'qr-expired'
  /** We closed it ourselves; the caller decides what comes next. */
  | 'none';

export interface ClosePolicyRow {
  action: CloseAction;
  /** Counts towards the backoff attempt number. */
  countsAsFailure: boolean;
  /** Plain words for the person (history, tray, window). */
  meaning: string;
}

export const CLOSE_POLICY: Readonly<Record<CloseCause, ClosePolicyRow>> = {
  'restart-required': {
    action: 'reconnect-now',
    countsAsFailure: false,
    meaning: 'WhatsApp asked for a restart (normal right after linking)',
  },
  'connection-closed': { action: 'backoff', countsAsFailure: true, meaning: 'The connection was closed' },
  'connection-lost': { action: 'backoff', countsAsFailure: true, meaning: 'The connection was lost' },
  'timed-out': { action: 'backoff', countsAsFailure: true, meaning: 'WhatsApp did not answer in time' },
  'service-unavailable': {
    action: 'backoff',
    countsAsFailure: true,
    meaning: 'WhatsApp was temporarily unavailable',
  },
  'network-error': { action: 'backoff', countsAsFailure: true, meaning: 'A network error broke the connection' },
  'silent-link': {
    action: 'backoff',
    countsAsFailure: true,
    meaning: 'The connection went silent and was replaced',
  },
  replaced: {
    action: 'stop-conflict',
    countsAsFailure: false,
    meaning: 'WhatsApp is open elsewhere with this session',
  },
  'device-removed': {
    action: 'wipe-and-pair',
    countsAsFailure: false,
    meaning: 'This computer was removed from Linked devices on the phone',
  },
  'logged-out': { action: 'wipe-and-pair', countsAsFailure: false, meaning: 'WhatsApp logged this computer out' },
  forbidden: { action: 'stop-forbidden', countsAsFailure: false, meaning: 'WhatsApp refused this account' },
  'multidevice-mismatch': {
    action: 'needs-relink',
    countsAsFailure: false,
    meaning: 'The linked session no longer matches the phone',
  },
  'bad-session': {
    action: 'backoff',
    countsAsFailure: true,
    meaning: 'WhatsApp reported a bad session',
  },
  'qr-expired': { action: 'qr-expired', countsAsFailure: false, meaning: 'Nobody scanned the QR code in time' },
  user: { action: 'none', countsAsFailure: false, meaning: 'Closed by Replyline' },
  unknown: { action: 'backoff', countsAsFailure: true, meaning: 'The connection closed for an unknown reason' },
};

/** How many consecutive bad-session (500) closes turn into a relink prompt. */
export const BAD_SESSION_RELINK_AFTER = 3;

export interface ClassifiedClose {
  cause: CloseCause;
  /** Baileys' status code, when there was one. */
  code: number | undefined;
  row: ClosePolicyRow;
}

/** The shape of Baileys' `lastDisconnect.error` (a Boom) that we rely on. */
interface BoomLike {
  message?: string;
  output?: { statusCode?: number };
  data?: unknown;
}

function reasonNodeOf(data: unknown): { tag?: string; attrs?: Record<string, string> } | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const node = data as { tag?: unknown; attrs?: unknown; content?: unknown };
  if (typeof node.tag !== 'string') return undefined;
  // Baileys passes the reason child (e.g. <conflict/>) or, without a child, the stream:error node.
  if (node.tag === 'stream:error' && Array.isArray(node.content) && node.content.length > 0) {
    return reasonNodeOf(node.content[0]);
  }
  return node as { tag?: string; attrs?: Record<string, string> };
}

/**
 * Classify a Baileys close. `error` is `lastDisconnect.error`; `pairing` tells whether the
 * socket was showing a QR (a 408 there means the refs ran out, not a lost link).
 */
export function classifyClose(error: unknown, context: { pairing?: boolean } = {}): ClassifiedClose {
  const cause = causeOf(error, context);
  const boom = (error ?? {}) as BoomLike;
  return { cause, code: boom.output?.statusCode, row: CLOSE_POLICY[cause] };
}

function causeOf(error: unknown, context: { pairing?: boolean }): CloseCause {
  if (!error || typeof error !== 'object') return 'unknown';
  const boom = error as BoomLike;
  const code = boom.output?.statusCode;
  const message = boom.message ?? '';
  const reason = reasonNodeOf(boom.data);

  // The server's words win over the code.
  if (reason?.tag === 'conflict') {
    if (reason.attrs?.type === 'device_removed') return 'device-removed';
    if (code === 401) return 'logged-out';
    return 'replaced';
  }
  if (message.startsWith('QR refs attempts ended') || (context.pairing && code === 408 && message.includes('QR'))) {
    return 'qr-expired';
  }
  // A socket-level error (refused, reset, DNS): Baileys maps it to 408 or 500.
  if (message.startsWith('WebSocket Error')) return 'network-error';

  switch (code) {
    case 515:
      return 'restart-required';
    case 428:
      return 'connection-closed';
    case 408:
      return message.includes('Timed Out') ? 'timed-out' : 'connection-lost';
    case 503:
      return 'service-unavailable';
    case 440:
      return 'replaced';
    case 401:
      return 'logged-out';
    case 403:
      return 'forbidden';
    case 411:
      return 'multidevice-mismatch';
    case 500:
      return 'bad-session';
    default:
      return 'unknown';
  }
}

/** Plain words for a close cause. */
export function describeCause(cause: CloseCause): string {
  return CLOSE_POLICY[cause].meaning;
}
