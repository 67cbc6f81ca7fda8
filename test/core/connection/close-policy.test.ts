import { describe, expect, it } from 'vitest';
import { Boom } from '@hapi/boom';
import { classifyClose, CloseEdges, RESTART_STORM } from '../../../main/core/connection/close-policy.js';
import { CLOSE_POLICY, type CloseAction, type CloseCause } from '../../../main/contract/api.js';

/** Build the error Baileys puts in `lastDisconnect.error` for each server action (docs/whatsapp-protocol.md, "How closes look"). */
const boom = (message: string, statusCode: number, data?: unknown) => new Boom(message, { statusCode, data });
const conflict = (type: string) => ({ tag: 'conflict', attrs: { type } });

const rows: Array<[string, unknown, { pairing?: boolean }, CloseCause, CloseAction]> = [
  ['515 restart required', boom('Stream Errored (restart required)', 515, { tag: 'stream:error', attrs: { code: '515' } }), {}, 'restart-required', 'reconnect-now'],
  ['428 socket closed', boom('Connection Terminated', 428), {}, 'connection-closed', 'backoff'],
  ['428 xmlstreamend', boom('Connection Terminated by Server', 428), {}, 'connection-closed', 'backoff'],
  ['408 lost (keep-alive)', boom('Connection was lost', 408), {}, 'connection-lost', 'backoff'],
  ['408 connect timed out', boom('Timed Out', 408), {}, 'timed-out', 'backoff'],
  ['503 unavailable', boom('Stream Errored (unknown)', 503, { tag: 'stream:error', attrs: { code: '503' } }), {}, 'service-unavailable', 'backoff'],
  ['network error (refused)', boom('WebSocket Error (connect ECONNREFUSED 127.0.0.1:1)', 408), {}, 'network-error', 'backoff'],
  ['network error (500 mapped)', boom('WebSocket Error (socket hang up)', 500), {}, 'network-error', 'backoff'],
  ['440 conflict replaced', boom('Stream Errored (conflict)', 440, conflict('replaced')), {}, 'replaced', 'stop-conflict'],
  ['440 without reason node', boom('Stream Errored (conflict)', 440), {}, 'replaced', 'stop-conflict'],
  ['440 device_removed (no code)', boom('Stream Errored (conflict)', 440, conflict('device_removed')), {}, 'device-removed', 'wipe-and-pair'],
  ['401 device_removed (code)', boom('Stream Errored (conflict)', 401, conflict('device_removed')), {}, 'device-removed', 'wipe-and-pair'],
  ['401 conflict other type', boom('Stream Errored (conflict)', 401, conflict('x')), {}, 'logged-out', 'wipe-and-pair'],
  ['401 failure', boom('Connection Failure', 401, { reason: '401' }), {}, 'logged-out', 'wipe-and-pair'],
  ['403 failure', boom('Connection Failure', 403, { reason: '403' }), {}, 'forbidden', 'stop-forbidden'],
  ['411 multi-device mismatch', boom('Multi-device beta not joined', 411), {}, 'multidevice-mismatch', 'needs-relink'],
  ['500 bad session', boom('Stream Errored (foo)', 500, { tag: 'foo', attrs: {} }), {}, 'bad-session', 'backoff'],
  ['QR refs ended', boom('QR refs attempts ended', 408), { pairing: true }, 'qr-expired', 'qr-expired'],
  ['unknown code', boom('Something', 499), {}, 'unknown', 'backoff'],
  ['no error at all', undefined, {}, 'unknown', 'backoff'],
];

describe('classifyClose: every row of the connection policy', () => {
  it.each(rows)('%s', (_name, error, ctx, cause, action) => {
    const c = classifyClose(error, ctx);
    expect(c.cause).toBe(cause);
    expect(c.row.action).toBe(action);
    expect(c.row.meaning.length).toBeGreaterThan(5);
  });

  it('reads the reason from a whole stream:error node too', () => {
    const node = { tag: 'stream:error', attrs: {}, content: [conflict('device_removed')] };
    expect(classifyClose(boom('Stream Errored (conflict)', 440, node)).cause).toBe('device-removed');
  });

  it('counts only transient closes as failures', () => {
    const failures = (Object.keys(CLOSE_POLICY) as CloseCause[]).filter((c) => CLOSE_POLICY[c].countsAsFailure);
    expect(failures.sort()).toEqual(
      ['bad-session', 'connection-closed', 'connection-lost', 'network-error', 'repeated-restart', 'service-unavailable', 'silent-link', 'timed-out', 'unknown'].sort(),
    );
  });
});

describe('the edges that depend on what came before', () => {
  it('515: at once up to three times a minute, then the normal backoff; the window slides', () => {
    let t = 0;
    const edges = new CloseEdges(() => t);
    const next = () => edges.escalate('restart-required', { pairing: false });
    expect([next(), next(), next()]).toEqual(['restart-required', 'restart-required', 'restart-required']);
    expect(next()).toBe('repeated-restart');
    expect(CLOSE_POLICY['repeated-restart'].action).toBe('backoff');
    t += RESTART_STORM.windowMs;
    expect(next()).toBe('restart-required');
  });

  it('401 while pairing: one fresh QR, then wait for the person; a link or the person starts over', () => {
    const edges = new CloseEdges(() => 0);
    expect(edges.escalate('logged-out', { pairing: true })).toBe('logged-out');
    expect(edges.escalate('logged-out', { pairing: true })).toBe('pairing-refused');
    expect(CLOSE_POLICY['pairing-refused'].action).toBe('needs-relink');
    edges.reset();
    expect(edges.escalate('logged-out', { pairing: true })).toBe('logged-out');
    edges.opened();
    expect(edges.escalate('logged-out', { pairing: true })).toBe('logged-out');
    // A 401 on a linked session is a logout every time.
    expect(edges.escalate('logged-out', { pairing: false })).toBe('logged-out');
    expect(edges.escalate('logged-out', { pairing: false })).toBe('logged-out');
  });
});
