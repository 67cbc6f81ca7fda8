/**
 * Which close cause a Baileys socket close is (docs/connection-policy.md; the codes Baileys
 * reports for each server action are in docs/whatsapp-protocol.md). The table of what each cause means and what
 * Replyline does about it (`CLOSE_POLICY`) is in the contract (`main/contract/connection.ts`),
 * so the window shows the same words. A close is classified by what the server said, not by the status code alone: Baileys
 * reports `<stream:error><conflict type="device_removed"/></stream:error>` as 440, yet it means
 * the phone removed this device — a logout, not "open elsewhere".
 */
import { CLOSE_POLICY, type CloseCause, type ClosePolicyRow } from '../../contract/api.js';

/** How many consecutive bad-session (500) closes turn into a relink prompt. */
export const BAD_SESSION_RELINK_AFTER = 3;

/** A 515 is normal once after linking; more than `max` within `windowMs` are backed off instead. */
export const RESTART_STORM = { max: 3, windowMs: 60_000 } as const;

/**
 * The policy's edges, which depend on what came before, so that no server answer can make the
 * controller loop without a pause:
 * - 515 means "restart now", but a server that keeps asking (more than `RESTART_STORM.max`
 *   within its window) gets `repeated-restart`: the normal backoff.
 * - 401 while pairing wipes and shows one fresh QR; a second one before the link opens is
 *   `pairing-refused`: stop and wait for the person.
 */
export class CloseEdges {
  private restarts: number[] = [];
  private pairingRefusals = 0;

  constructor(private readonly now: () => number) {}

  /** The cause to act on for a close classified as `cause`. */
  escalate(cause: CloseCause, context: { pairing: boolean }): CloseCause {
    if (cause === 'restart-required') {
      const t = this.now();
      this.restarts = this.restarts.filter((at) => t - at < RESTART_STORM.windowMs);
      this.restarts.push(t);
      return this.restarts.length > RESTART_STORM.max ? 'repeated-restart' : cause;
    }
    if (cause === 'logged-out' && context.pairing) {
      return ++this.pairingRefusals > 1 ? 'pairing-refused' : cause;
    }
    return cause;
  }

  /** The link opened: pairing worked. */
  opened(): void {
    this.pairingRefusals = 0;
  }

  /** The person asked to try again (relink, a new QR): start over. */
  reset(): void {
    this.restarts = [];
    this.pairingRefusals = 0;
  }
}

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

