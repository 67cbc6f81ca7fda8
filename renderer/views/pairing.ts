/**
 * Pairing: the QR code while WhatsApp offers one (redrawn each time it rotates), "expired — get
 * a new one" when nobody scanned in time, and a short success note once the phone linked.
 * The QR text itself is only ever drawn on the canvas.
 */
import type { ConnectionState } from '../../main/contract/api.js';
import { h } from '../lib/dom.js';
import { clearQr, drawQr } from '../lib/qr.js';
import type { ViewContext } from './context.js';

type Phase = 'none' | 'qr' | 'expired' | 'logged-out' | 'linked';

export function createPairing(ctx: ViewContext): HTMLElement {
  const canvas = h('canvas', {
    class: 'qr',
    'data-testid': 'qr',
    role: 'img',
    'aria-label': 'QR code to link Replyline with WhatsApp',
    width: 288,
    height: 288,
  });
  const qrBlock = h(
    'div',
    { class: 'qr-block' },
    h('div', { class: 'qr-frame' }, canvas),
    h(
      'div',
      { class: 'steps' },
      h(
        'ol',
        undefined,
        h('li', undefined, 'Open WhatsApp on your phone.'),
        h('li', undefined, 'Go to Settings → Linked devices → Link a device.'),
        h('li', undefined, 'Point the phone at this code.'),
      ),
      h('p', { class: 'hint' }, 'WhatsApp changes the code every few seconds; it refreshes here on its own.'),
    ),
  );

  const newQr = h('button', { type: 'button', class: 'primary', 'data-testid': 'qr-new' }, 'Get a new QR code');
  const expiredBlock = h(
    'div',
    { 'data-testid': 'qr-expired' },
    h('p', undefined, 'The QR code expired — nobody scanned it in time. Get a new one when your phone is at hand.'),
    newQr,
  );
  newQr.addEventListener('click', () => {
    newQr.disabled = true;
    void ctx.run('requestQr').then((r) => {
      if (!r.ok) newQr.disabled = false;
    });
  });

  const loggedOutBlock = h(
    'p',
    { 'data-testid': 'logged-out' },
    'Your phone unlinked this computer, so Replyline removed the old session (your settings, rules and logs are kept). A new QR code appears here in a moment.',
  );
  const linkedBlock = h(
    'p',
    { class: 'success', 'data-testid': 'pair-success' },
    'Linked. Replyline is connected to WhatsApp on your phone.',
  );

  const heading = h('h2', { id: 'pairing-heading' }, 'Link WhatsApp');
  const root = h(
    'section',
    { class: 'card pairing', 'data-testid': 'pairing', 'data-phase': 'none', 'aria-labelledby': 'pairing-heading', hidden: true },
    heading,
    qrBlock,
    expiredBlock,
    loggedOutBlock,
    linkedBlock,
  );

  let drawn: string | undefined;
  let sawQr = false;

  const phaseOf = (state: ConnectionState): Phase => {
    switch (state.kind) {
      case 'awaiting-qr':
        return 'qr';
      case 'qr-expired':
        return 'expired';
      case 'logged-out':
        return 'logged-out';
      case 'open':
      case 'connecting':
        return sawQr ? 'linked' : 'none';
      default:
        return 'none';
    }
  };

  const render = (state: ConnectionState) => {
    if (state.kind === 'awaiting-qr') {
      sawQr = true;
      if (state.qr !== drawn) {
        drawQr(canvas, state.qr);
        drawn = state.qr;
      }
      canvas.dataset.qrIndex = String(state.qrIndex);
    } else {
      if (drawn !== undefined) clearQr(canvas);
      drawn = undefined;
      delete canvas.dataset.qrIndex;
      // A scan leads to connecting, then open; anything else ends this pairing.
      if (state.kind !== 'connecting' && state.kind !== 'open') sawQr = false;
    }
    if (state.kind === 'qr-expired') newQr.disabled = false;

    const phase = phaseOf(state);
    linkedBlock.textContent =
      state.kind === 'connecting'
        ? 'Scanned. Finishing the link…'
        : 'Linked. Replyline is connected to WhatsApp on your phone.';
    root.dataset.phase = phase;
    root.hidden = phase === 'none';
    heading.textContent = phase === 'linked' ? 'Linked' : 'Link WhatsApp';
    qrBlock.hidden = phase !== 'qr';
    expiredBlock.hidden = phase !== 'expired';
    loggedOutBlock.hidden = phase !== 'logged-out';
    linkedBlock.hidden = phase !== 'linked';
  };

  let lastState: ConnectionState | undefined;
  ctx.store.subscribe((s) => {
    if (s.connection === lastState) return;
    lastState = s.connection;
    render(s.connection);
  });
  render(ctx.store.get().connection);
  return root;
}
