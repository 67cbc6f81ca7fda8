/**
 * The connection's named states, as the controller emits them and the person sees them.
 * A small tagged union: every consumer switches on `kind` exhaustively.
 */
import type { CloseCause } from './close-policy.js';

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
