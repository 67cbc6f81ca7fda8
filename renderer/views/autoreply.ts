/**
 * The auto-reply switch and pause buttons in the header, the same controls the tray offers.
 */
import { isPaused } from '../../main/contract/bounds.js';
import { h } from '../lib/dom.js';
import { formatWhen, nextMidnight } from '../lib/format.js';
import type { AppState } from '../lib/store.js';
import type { ViewContext } from './context.js';

export function createAutoReplyControls(ctx: ViewContext): HTMLElement {
  const toggle = h('input', {
    type: 'checkbox',
    role: 'switch',
    id: 'autoreply-toggle',
    'data-testid': 'autoreply-toggle',
  });
  const status = h('span', { class: 'autoreply-status', 'data-testid': 'autoreply-status' });
  const pauseHour = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'pause-1h' }, 'Pause 1 h');
  const pauseDay = h(
    'button',
    { type: 'button', class: 'secondary small', 'data-testid': 'pause-tomorrow' },
    'Pause until tomorrow',
  );
  const resume = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'resume' }, 'Resume');

  const apply = (value: AppState['autoReply']) => ctx.store.set({ autoReply: value });

  toggle.addEventListener('change', () => {
    const enabled = toggle.checked;
    toggle.disabled = true;
    void ctx.run('setAutoReply', { enabled }).then((r) => {
      toggle.disabled = false;
      if (r.ok) apply(r.value);
      else toggle.checked = !enabled;
    });
  });
  const pause = (until: number | null) => {
    void ctx.run('pauseAutoReply', { until }).then((r) => {
      if (r.ok) apply(r.value);
    });
  };
  pauseHour.addEventListener('click', () => pause(Date.now() + 3_600_000));
  pauseDay.addEventListener('click', () => pause(nextMidnight()));
  resume.addEventListener('click', () => pause(null));

  const render = (s: AppState) => {
    const { enabled, pausedUntil } = s.autoReply;
    const paused = enabled && isPaused(s.autoReply, Date.now());
    toggle.checked = enabled;
    toggle.disabled = !s.ready;
    status.textContent = !enabled ? 'Off' : paused ? `Paused until ${formatWhen(pausedUntil!)}` : 'On';
    status.dataset.mode = !enabled ? 'off' : paused ? 'paused' : 'on';
    pauseHour.hidden = !enabled || paused;
    pauseDay.hidden = !enabled || paused;
    resume.hidden = !paused;
  };
  let last: AppState['autoReply'] | undefined;
  let lastReady = false;
  ctx.store.subscribe((s) => {
    if (s.autoReply === last && s.ready === lastReady) return;
    last = s.autoReply;
    lastReady = s.ready;
    render(s);
  });
  render(ctx.store.get());

  return h(
    'div',
    { class: 'autoreply', role: 'group', 'aria-label': 'Auto-reply' },
    h('label', { class: 'switch', for: 'autoreply-toggle' }, toggle, h('span', { class: 'switch-label' }, 'Auto-reply')),
    status,
    pauseHour,
    pauseDay,
    resume,
  );
}
