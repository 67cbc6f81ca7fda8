/**
 * The first screen besides pairing: is the link up, since when, is auto-reply on, is anything
 * waiting in "missed while offline". Never shows the account's phone number.
 */
import { isPaused } from '../../main/contract/bounds.js';
import { h } from '../lib/dom.js';
import { formatDuration, formatWhen } from '../lib/format.js';
import type { AppState } from '../lib/store.js';
import type { ViewContext } from './context.js';

export function createOverview(ctx: ViewContext): HTMLElement {
  const link = h('dd', { 'data-testid': 'overview-link' });
  const auto = h('dd', { 'data-testid': 'overview-autoreply' });
  const missedText = h('span');
  const missedButton = h('button', { type: 'button', class: 'link', 'data-testid': 'overview-missed' }, 'Review');
  missedButton.addEventListener('click', () => ctx.showScreen('missed', true));
  const missed = h('dd', undefined, missedText, ' ', missedButton);
  const protection = h('dd', { 'data-testid': 'overview-protection' });

  const root = h(
    'section',
    { class: 'card', 'aria-labelledby': 'overview-heading', 'data-testid': 'overview' },
    h('h2', { id: 'overview-heading' }, 'Overview'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', undefined, 'WhatsApp'),
      link,
      h('dt', undefined, 'Auto-reply'),
      auto,
      h('dt', undefined, 'Missed while offline'),
      missed,
      h('dt', undefined, 'Session keys'),
      protection,
    ),
  );

  const render = (s: AppState) => {
    const c = s.connection;
    if (c.kind === 'open') {
      const who = c.account.name ? ` as ${c.account.name}` : '';
      link.textContent = `Connected${who} since ${formatWhen(c.since)} (${formatDuration(Date.now() - c.since)})`;
    } else if (c.kind === 'reconnecting') {
      link.textContent = `Reconnecting (attempt ${c.attempt}) — see the banner above`;
    } else {
      link.textContent = s.stateText;
    }
    const { enabled, pausedUntil } = s.autoReply;
    auto.textContent = !enabled
      ? 'Off'
      : isPaused(s.autoReply, Date.now())
        ? `Paused until ${formatWhen(pausedUntil!)}`
        : 'On — rules answer new messages';
    missedText.textContent =
      s.missed.length === 0 ? 'Nothing waiting' : `${s.missed.length} message${s.missed.length === 1 ? '' : 's'} waiting for you`;
    missedButton.hidden = s.missed.length === 0;
    protection.textContent =
      s.encryption === 'os-keychain'
        ? 'Encrypted with your system keychain'
        : s.encryption === 'key-file'
          ? 'Encrypted with the key file given to headless mode'
          : s.encryption === 'test'
            ? 'Test key (development build)'
            : 'Stored without OS encryption';
  };
  ctx.store.subscribe(render);
  render(ctx.store.get());
  return root;
}
