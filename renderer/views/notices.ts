/**
 * Store resets, told once: each store the core had to reset (a damaged settings file, outbox,
 * session…) gets a banner under the connection state that says what happened and where the
 * damaged copy was kept, until the person dismisses it. The words come from the core.
 */
import type { NoticeView } from '../../main/contract/api.js';
import { h, replaceChildren } from '../lib/dom.js';
import type { AppState } from '../lib/store.js';
import type { ViewContext } from './context.js';

export function createNotices(ctx: ViewContext): HTMLElement {
  const root = h('div', { class: 'store-notices', 'data-testid': 'store-notices' });

  const banner = (n: NoticeView) => {
    const titleId = `notice-${n.id}-title`;
    const dismiss = h(
      'button',
      { type: 'button', class: 'secondary', 'data-testid': 'dismiss-notice', 'aria-label': `Dismiss: ${n.title}` },
      'Dismiss',
    );
    dismiss.addEventListener('click', () => {
      dismiss.disabled = true;
      void ctx.run('dismissNotice', { id: n.id }).then((r) => {
        if (r.ok) ctx.store.set({ notices: r.value });
        else dismiss.disabled = false;
      });
    });
    return h(
      'section',
      { class: 'notice store-notice', role: 'alert', 'aria-labelledby': titleId, 'data-testid': 'store-notice', 'data-store': n.store },
      h('div', { class: 'store-notice-text' }, h('strong', { id: titleId }, n.title), h('p', undefined, n.message)),
      dismiss,
    );
  };

  let shown: NoticeView[] | undefined;
  const render = (s: AppState) => {
    if (s.notices === shown) return;
    shown = s.notices;
    replaceChildren(root, ...s.notices.map(banner));
    root.hidden = s.notices.length === 0;
  };
  ctx.store.subscribe(render);
  render(ctx.store.get());
  return root;
}
