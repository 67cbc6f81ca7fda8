/**
 * Notices from the desktop shell (the contract's NoticeView), each a card until dismissed:
 *
 *  - 'notification': a desktop notification the system would not show (an unsigned macOS build);
 *    a newer one with the same title replaces the older, and only the last few stay;
 *  - 'closed-to-tray': shown once, on the first close of the window, which the shell held open
 *    for it: Replyline keeps running in the tray (where some desktops show no tray at all), and
 *    how to turn that off. "Hide the window" closes it again; this time it goes to the tray.
 *
 * Headless mode never sends notices, so nothing shows there.
 */
import type { NoticeView } from '../../main/contract/api.js';
import { h, nextId } from '../lib/dom.js';
import type { ViewContext } from './context.js';

const MAX_NOTIFICATIONS = 3;

export function createNotices(ctx: ViewContext, closeWindow: () => void = () => window.close()): HTMLElement {
  const root = h('div', { class: 'notices', 'data-testid': 'shell-notices' });

  const card = (notice: NoticeView, actions: HTMLElement[]): HTMLElement => {
    const headingId = nextId('notice');
    const el = h(
      'section',
      { class: 'notice shell-notice', role: 'status', 'data-testid': `notice-${notice.kind}`, 'aria-labelledby': headingId },
      h('strong', { id: headingId }, notice.title),
      h('p', undefined, notice.body),
      h('div', { class: 'choices' }, ...actions),
    );
    el.dataset.title = notice.title;
    return el;
  };

  const button = (label: string, testid: string, primary: boolean, onClick: () => void) => {
    const b = h('button', { type: 'button', class: primary ? 'primary' : 'secondary', 'data-testid': testid }, label);
    b.addEventListener('click', onClick);
    return b;
  };

  const show = (notice: NoticeView): void => {
    if (notice.kind === 'closed-to-tray') {
      root.querySelector('[data-testid="notice-closed-to-tray"]')?.remove();
      const el: HTMLElement = card(notice, [
        button('Hide the window', 'notice-hide-window', true, () => {
          el.remove();
          closeWindow();
        }),
        button('Open Settings', 'notice-open-settings', false, () => {
          el.remove();
          ctx.showScreen('settings', true);
        }),
      ]);
      root.prepend(el);
      el.querySelector<HTMLButtonElement>('button')?.focus();
      return;
    }
    for (const old of root.querySelectorAll<HTMLElement>('[data-testid="notice-notification"]')) {
      if (old.dataset.title === notice.title) old.remove();
    }
    const el: HTMLElement = card(notice, [button('Dismiss', 'notice-dismiss', false, () => el.remove())]);
    root.append(el);
    const all = root.querySelectorAll('[data-testid="notice-notification"]');
    for (let i = 0; i < all.length - MAX_NOTIFICATIONS; i++) all[i]!.remove();
  };

  ctx.api.on('notice', show);
  return root;
}
