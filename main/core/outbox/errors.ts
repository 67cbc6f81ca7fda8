/**
 * Why a reply attempt did not succeed, as typed values with plain words for the person, and
 * the classification of what Baileys throws or the server acks into what the outbox does:
 *
 * - disconnect: the socket is gone; the reply waits for the link again, no attempt counted;
 * - transient: counted, retried with the same id (no ack in time, a server-side error);
 * - permanent: the reply fails with the reason.
 */

export type DeliveryErrorKind =
  /** The link dropped before the server confirmed the reply. */
  | 'disconnected'
  /** Written, but the server did not acknowledge it in time (uncertain). */
  | 'no-ack'
  /** The send threw something worth another try (query timeout, encryption hiccup). */
  | 'send-error'
  /** The server answered the reply with a retryable error code. */
  | 'server-error'
  /** The server refused the reply for good (4xx ack). */
  | 'rejected'
  | 'invalid-address'
  | 'empty-text'
  /** Too many counted attempts. */
  | 'gave-up'
  | 'expired'
  | 'account-changed'
  | 'cancelled';

export interface DeliveryError {
  kind: DeliveryErrorKind;
  /** Plain language, for the reply log and the window. Never holds the reply text or a number. */
  message: string;
  /** The server's or Baileys' status code, when there was one. */
  code?: number;
}

export type AttemptOutcome = 'disconnect' | 'transient' | 'permanent';

export interface ClassifiedError {
  outcome: AttemptOutcome;
  error: DeliveryError;
}

interface BoomLike {
  message?: unknown;
  output?: { statusCode?: unknown };
}

function statusCodeOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = (err as BoomLike).output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && typeof (err as BoomLike).message === 'string') {
    return (err as { message: string }).message;
  }
  return typeof err === 'string' ? err : '';
}

const DISCONNECT_MESSAGES = [
  'Connection Closed',
  'Connection Terminated',
  'Connection was lost',
  'Not authenticated',
  'Stream Errored',
  'WebSocket Error',
];
/** Status codes Baileys uses for a socket that is closed or closing. */
const DISCONNECT_CODES = new Set([428, 440, 515]);

export const disconnectedError: DeliveryError = {
  kind: 'disconnected',
  message: 'The connection dropped before WhatsApp confirmed the reply; it will go out again, unchanged, once the link is back',
};

/**
 * Classify an error thrown by `sendMessage`. `socketGone` is true when the socket used for the
 * attempt is no longer the live one: whatever the error says, the link went away under it.
 */
export function classifySendError(err: unknown, socketGone: boolean): ClassifiedError {
  const code = statusCodeOf(err);
  const message = messageOf(err);
  if (socketGone || (code !== undefined && DISCONNECT_CODES.has(code)) || DISCONNECT_MESSAGES.some((m) => message.startsWith(m))) {
    return { outcome: 'disconnect', error: withCode(disconnectedError, code) };
  }
  if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
    return {
      outcome: 'permanent',
      error: { kind: 'rejected', code, message: `WhatsApp could not send the reply (error ${code})` },
    };
  }
  return {
    outcome: 'transient',
    error: withCode(
      { kind: 'send-error', message: 'Sending failed for a reason worth another try; retrying with the same message id' },
      code,
    ),
  };
}

const ACK_WORDS: Record<number, string> = {
  400: 'WhatsApp rejected the reply as malformed',
  401: 'WhatsApp did not allow this reply',
  403: 'WhatsApp did not allow this reply (blocked, or not a member of the group)',
  404: 'This chat does not exist on WhatsApp',
  406: 'WhatsApp did not accept the reply',
};

/** Codes in the 4xx range that are still worth a retry. */
const RETRYABLE_4XX = new Set([408, 429, 463]);

/** Classify an error code from the server's `<ack class="message" error="…">`. */
export function classifyAckError(code: number): ClassifiedError {
  if (code >= 400 && code < 500 && !RETRYABLE_4XX.has(code)) {
    const words = ACK_WORDS[code] ?? 'WhatsApp refused the reply';
    return { outcome: 'permanent', error: { kind: 'rejected', code, message: `${words} (error ${code})` } };
  }
  return {
    outcome: 'transient',
    error: { kind: 'server-error', code, message: `WhatsApp answered with error ${code}; retrying with the same message id` },
  };
}

export function noAckError(timeoutMs: number): DeliveryError {
  return {
    kind: 'no-ack',
    message: `WhatsApp did not confirm the reply within ${Math.round(timeoutMs / 1000)} s; retrying with the same message id`,
  };
}

export function gaveUpError(attempts: number, last: DeliveryError | undefined): DeliveryError {
  const uncertain = last?.kind === 'no-ack';
  return {
    kind: 'gave-up',
    code: last?.code,
    message:
      `Gave up after ${attempts} attempts` +
      (uncertain ? ': WhatsApp never confirmed the reply, so it may or may not have arrived' : '') +
      (last && !uncertain ? ` (last: ${last.message})` : ''),
  };
}

export function expiredError(ttlMs: number | undefined, wasWritten: boolean): DeliveryError {
  const ttl = ttlMs !== undefined ? ` (${formatDuration(ttlMs)})` : '';
  return {
    kind: 'expired',
    message:
      `Not sent: the connection came back after the reply's time-to-live${ttl}, so it would have arrived too late` +
      (wasWritten ? '. An earlier attempt was never confirmed, so it may have arrived anyway' : ''),
  };
}

export const accountChangedError: DeliveryError = {
  kind: 'account-changed',
  message: 'Not sent: this computer is now linked to a different WhatsApp account than the one that received the message',
};

export const cancelledError: DeliveryError = { kind: 'cancelled', message: 'Cancelled by you' };

export const invalidAddressError: DeliveryError = {
  kind: 'invalid-address',
  message: 'Not sent: the chat address is not a valid WhatsApp address',
};

export const emptyTextError: DeliveryError = { kind: 'empty-text', message: 'Not sent: the reply text is empty' };

function withCode(error: DeliveryError, code: number | undefined): DeliveryError {
  return code === undefined ? error : { ...error, code };
}

function formatDuration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return `${Math.round(ms / 1000)} s`;
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}
