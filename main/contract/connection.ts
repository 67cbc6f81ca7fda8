/**
 * The connection as the person sees it: its named states, why a socket closed, what Replyline
 * does about each close and the plain words for both. The core's controller produces these
 * values, the shells and the window show them; all of them import this file through `api.ts`.
 *
 * A pure leaf: no imports, no Node, no Electron. docs/connection-policy.md explains the policy.
 */

/** Why a socket closed, in Replyline's words. */
export type CloseCause =
  | 'restart-required'
  | 'repeated-restart'
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
  | 'pairing-refused'
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
  'repeated-restart': {
    action: 'backoff',
    countsAsFailure: true,
    meaning: 'WhatsApp asked for a restart again and again, so Replyline waits before the next try',
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
  'pairing-refused': {
    action: 'needs-relink',
    countsAsFailure: false,
    meaning: 'WhatsApp refused the new link twice; link again when you are ready',
  },
  user: { action: 'none', countsAsFailure: false, meaning: 'Closed by Replyline' },
  unknown: { action: 'backoff', countsAsFailure: true, meaning: 'The connection closed for an unknown reason' },
};

/** Plain words for a close cause. */
export function describeCause(cause: CloseCause): string {
  return CLOSE_POLICY[cause].meaning;
}

export type ConnectionState =
  /** Created, not started. */
  | { kind: 'idle' }
  /** A socket is being opened (handshake, login). */
  | { kind: 'connecting'; attempt: number }
  /** Pairing: show this QR. `qr` is the exact string the phone must scan. */
  | { kind: 'awaiting-qr'; qr: string; qrIndex: number }
  /** Nobody scanned before the refs ran out. Stays here until `requestQr()`. */
  | { kind: 'qr-expired' }
  /** Logged in and healthy. */
  | { kind: 'open'; since: number; account: AccountIdentity }
  /** Waiting out a backoff before the next attempt. */
  | { kind: 'reconnecting'; attempt: number; nextAttemptAt: number; delayMs: number; cause: CloseCause }
  /** The session is live elsewhere (440). No retry until `useHere()` or `relink()`. */
  | { kind: 'conflict' }
  /** The phone unlinked this computer; the session was wiped and a new pairing starts. */
  | { kind: 'logged-out' }
  /** The account is barred (403). */
  | { kind: 'forbidden' }
  /** The stored session is unusable; the person must link again. */
  | { kind: 'needs-relink'; reason: string }
  /** Stopped by the app (quit) or by a pause. */
  | { kind: 'stopped' };

export type ConnectionStateKind = ConnectionState['kind'];

/** The linked WhatsApp account, used by the outbox to decide whether held replies may go out. */
export interface AccountIdentity {
  /** Phone-number JID of this device's account without device suffix, e.g. `15551234567@s.whatsapp.net`. */
  phoneJid: string;
  /** LID of the account without device suffix, e.g. `123456789@lid`, when known. */
  lid?: string;
  /** Push name, when known. */
  name?: string;
}

/** Exhaustiveness check for a `switch` over a union: a compile error when a case is missing. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** Plain words for a state, shared by tray, window and headless output. */
export function describeState(state: ConnectionState, now: number = Date.now()): string {
  switch (state.kind) {
    case 'idle':
      return 'Not started';
    case 'connecting':
      return 'Connecting…';
    case 'awaiting-qr':
      return 'Scan the QR code with WhatsApp on your phone';
    case 'qr-expired':
      return 'QR code expired — get a new one';
    case 'open':
      return 'Connected';
    case 'reconnecting': {
      const s = Math.max(0, Math.ceil((state.nextAttemptAt - now) / 1000));
      return `Reconnecting in ${s} s (attempt ${state.attempt})`;
    }
    case 'conflict':
      return 'WhatsApp is open elsewhere with this session';
    case 'logged-out':
      return 'Logged out — link again with a new QR code';
    case 'forbidden':
      return 'WhatsApp refused this account (forbidden)';
    case 'needs-relink':
      return `This computer needs to be linked again: ${state.reason}`;
    case 'stopped':
      return 'Stopped';
    default:
      return assertNever(state);
  }
}
