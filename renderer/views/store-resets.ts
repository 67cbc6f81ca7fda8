/**
 * Store resets, told once: each store the core had to reset (a damaged settings file, outbox,
 * session…) gets a banner under the connection state that says what happened and where the
 * damaged copy was kept, until the person dismisses it. The words come from the core.
 */
import type { StoreResetView } from '../../main/contract/api.js';
import { h, replaceChildren } from '../lib/dom.js';
import type { AppState } from '../lib/store.js';
import type { ViewContext } from './context.js';

export function createStoreResets(ctx: ViewContext): HTMLElement {
  const root = h('div', { class: 'store-resets', 'data-testid': 'store-resets' });

  const banner = (n: StoreResetView) => {
    const titleId = `store-reset-${n.id}-title`;
    const dismiss = h(
      'button',
      { type: 'button', class: 'secondary', 'data-testid': 'dismiss-store-reset', 'aria-label': `Dismiss: ${n.title}` },
      'Dismiss',
    );
    dismiss.addEventListener('click', () => {
      dismiss.disabled = true;
      void ctx.run('dismissStoreReset', { id: n.id }).then((r) => {
        if (r.ok) ctx.store.set({ storeResets: r.value });
        else dismiss.disabled = false;
      });
    });
    return h(
      'section',
      { class: 'notice store-reset', role: 'alert', 'aria-labelledby': titleId, 'data-testid': 'store-reset', 'data-store': n.store },
      h('div', { class: 'store-reset-text' }, h('strong', { id: titleId }, n.title), h('p', undefined, n.message)),
      dismiss,
    );
  };

  let shown: StoreResetView[] | undefined;
  const render = (s: AppState) => {
    if (s.storeResets === shown) return;
    shown = s.storeResets;
    replaceChildren(root, ...s.storeResets.map(banner));
    root.hidden = s.storeResets.length === 0;
  };
  ctx.store.subscribe(render);
  render(ctx.store.get());
  return root;
}
