/**
 * The connection state banner, always at the top: what the link is doing in plain words, a live
 * countdown to the next attempt while reconnecting, and "Reconnect now" where that helps.
 * `data-state` carries the state's kind for tests and styling.
 */
import type { ConnectionState } from '../../main/contract/api.js';
// Values from the contract's zod-free part: the window's bundle must not carry zod (see api.ts).
import { assertNever, CLOSE_POLICY } from '../../main/contract/connection.js';
import { h, replaceChildren } from '../lib/dom.js';
import type { AppState } from '../lib/store.js';
import type { ViewContext } from './context.js';

type Tone = 'ok' | 'busy' | 'warn' | 'error';

function toneOf(state: ConnectionState): Tone {
  switch (state.kind) {
    case 'open':
      return 'ok';
    case 'idle':
    case 'connecting':
    case 'awaiting-qr':
    case 'reconnecting':
      return 'busy';
    case 'qr-expired':
    case 'conflict':
    case 'logged-out':
    case 'needs-relink':
    case 'stopped':
      return 'warn';
    case 'forbidden':
      return 'error';
    default:
      return assertNever(state);
  }
}

/** A short second line where the state needs one. */
function detailOf(state: ConnectionState): string | undefined {
  switch (state.kind) {
    case 'reconnecting':
      return `Why: ${CLOSE_POLICY[state.cause]?.meaning ?? 'the connection closed'}. Replies wait and go out once the link is back.`;
    case 'conflict':
      return 'Replyline stopped so the two do not keep pushing each other off. Queued replies are kept.';
    case 'stopped':
      return 'Replyline is not connected to WhatsApp right now.';
    case 'connecting':
      return state.attempt > 1 ? `Attempt ${state.attempt}` : undefined;
    default:
      return undefined;
  }
}

export function createBanner(ctx: ViewContext): HTMLElement {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const title = h('strong', { class: 'banner-title', 'data-testid': 'state-text' });
  const detail = h('p', { class: 'banner-detail', 'data-testid': 'state-detail' });
  const reconnect = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'reconnect-now', hidden: true },
    'Reconnect now',
  );
  // Screen readers hear the state when its kind changes, not every countdown tick.
  const live = h('p', { class: 'sr-only', role: 'status', 'data-testid': 'state-live' });
  const banner = h(
    'section',
    { class: 'banner', 'data-testid': 'state-banner', 'data-state': 'idle', 'aria-label': 'Connection' },
    dot,
    h('div', { class: 'banner-text' }, title, detail),
    reconnect,
    live,
  );

  reconnect.addEventListener('click', () => {
    reconnect.disabled = true;
    void ctx.run('reconnectNow').finally(() => (reconnect.disabled = false));
  });

  let timer: ReturnType<typeof setInterval> | undefined;
  let lastKind = '';

  const renderTitle = (s: AppState) => {
    const state = s.connection;
    if (s.unreachable) {
      title.textContent = 'Cannot reach Replyline';
      return;
    }
    if (state.kind === 'reconnecting') {
      const seconds = Math.max(0, Math.ceil((state.nextAttemptAt - Date.now()) / 1000));
      if (seconds === 0) {
        title.textContent = `Reconnecting now (attempt ${state.attempt})…`;
      } else {
        const countdown = h('span', { 'data-testid': 'countdown', 'data-seconds': seconds }, `${seconds} s`);
        replaceChildren(title, 'Reconnecting in ', countdown, ` (attempt ${state.attempt})`);
      }
      return;
    }
    title.textContent = s.stateText;
  };

  const render = (s: AppState) => {
    const state = s.connection;
    const kind = s.unreachable ? 'unreachable' : s.ready ? state.kind : 'loading';
    banner.dataset.state = kind;
    banner.dataset.tone = s.unreachable ? 'error' : toneOf(state);
    renderTitle(s);
    const more = s.unreachable ?? detailOf(state);
    detail.textContent = more ?? '';
    detail.hidden = !more;
    reconnect.hidden = s.unreachable !== undefined || !(state.kind === 'reconnecting' || state.kind === 'stopped');

    clearInterval(timer);
    timer = undefined;
    if (state.kind === 'reconnecting' && !s.unreachable) {
      timer = setInterval(() => renderTitle(ctx.store.get()), 250);
    }
    if (kind !== lastKind) {
      lastKind = kind;
      live.textContent = s.unreachable ? 'Cannot reach Replyline' : s.stateText;
    }
  };

  ctx.store.subscribe(render);
  render(ctx.store.get());
  return banner;
}
