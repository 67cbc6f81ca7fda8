/**
 * "Missed while offline": messages that arrived through offline sync too late to answer
 * blindly. For each, the person sends the matching rule's reply or skips it. The list itself
 * comes from the store (the `missed` event replaces it whole).
 */
import type { MissedView } from '../../main/contract/api.js';
import { h, replaceChildren } from '../lib/dom.js';
import { contactLabel, formatFull, formatWhen } from '../lib/format.js';
import type { AppState } from '../lib/store.js';
import type { View, ViewContext } from './context.js';

export function createMissed(ctx: ViewContext): View {
  const list = h('ul', { class: 'missed-list', 'data-testid': 'missed-list', 'aria-labelledby': 'missed-heading' });
  const empty = h(
    'p',
    { class: 'empty', 'data-testid': 'missed-empty' },
    'Nothing waiting. Messages that arrive while Replyline is offline, and are too old to answer on their own, show up here.',
  );
  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'missed-heading' },
    h('h2', { id: 'missed-heading' }, 'Missed while offline'),
    h(
      'p',
      { class: 'hint' },
      'These came in while this computer was offline. Replyline did not answer them on its own because they are older than the catch-up window (see Settings).',
    ),
    list,
    empty,
  );

  /** Ids with an action in flight: shown as busy, hidden on success. */
  const pending = new Set<string>();

  const act = (item: MissedView, command: 'sendMissed' | 'skipMissed') => {
    pending.add(item.id);
    render(ctx.store.get());
    void ctx.run(command, { id: item.id }).then((r) => {
      pending.delete(item.id);
      if (r.ok) {
        ctx.store.set({ missed: ctx.store.get().missed.filter((m) => m.id !== item.id) });
        ctx.notify.info(command === 'sendMissed' ? 'Reply queued — see the reply log.' : 'Skipped.');
        // Keep keyboard focus in the list.
        (list.querySelector('button:not([disabled])') as HTMLButtonElement | null)?.focus();
      } else {
        render(ctx.store.get());
      }
    });
  };

  const item = (m: MissedView) => {
    const who = contactLabel(m.contactName, m.contactMasked);
    const busy = pending.has(m.id);
    const send = h(
      'button',
      {
        type: 'button',
        class: 'primary small',
        'data-testid': 'missed-send',
        disabled: busy,
        'aria-label': `Send reply to ${who.name}`,
      },
      'Send reply',
    );
    const skip = h(
      'button',
      { type: 'button', class: 'secondary small', 'data-testid': 'missed-skip', disabled: busy, 'aria-label': `Skip message from ${who.name}` },
      'Skip',
    );
    send.addEventListener('click', () => act(m, 'sendMissed'));
    skip.addEventListener('click', () => act(m, 'skipMissed'));
    return h(
      'li',
      { class: 'missed-item', 'data-testid': 'missed-item', 'data-id': m.id, 'aria-busy': busy ? 'true' : 'false' },
      h(
        'div',
        { class: 'missed-head' },
        h('strong', undefined, who.name),
        who.masked ? h('span', { class: 'muted nowrap' }, who.masked) : null,
        h('time', { class: 'muted', datetime: new Date(m.at).toISOString(), title: formatFull(m.at) }, formatWhen(m.at)),
      ),
      h('blockquote', { class: 'message' }, m.text),
      h(
        'div',
        { class: 'missed-actions' },
        h('span', { class: 'muted' }, m.ruleName ? `Rule: ${m.ruleName}` : ''),
        send,
        skip,
      ),
    );
  };

  const render = (s: AppState) => {
    replaceChildren(list, ...s.missed.map(item));
    list.hidden = s.missed.length === 0;
    empty.hidden = s.missed.length > 0;
  };
  let last: MissedView[] | undefined;
  ctx.store.subscribe((s) => {
    if (s.missed === last) return;
    last = s.missed;
    render(s);
  });
  render(ctx.store.get());
  return { element: root };
}
