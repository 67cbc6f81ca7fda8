/**
 * One polite live region for short outcomes ("Saved", "Could not reach Replyline"). Errors stay
 * until the next message; confirmations fade after a few seconds.
 */
import { h } from './dom.js';

export interface Notifier {
  element: HTMLElement;
  info(message: string): void;
  error(message: string): void;
}

export function createNotifier(): Notifier {
  const text = h('span');
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss message' }, '×');
  const element = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'toast', hidden: true }, text, close);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const show = (message: string, kind: 'info' | 'error') => {
    clearTimeout(timer);
    text.textContent = message;
    element.dataset.kind = kind;
    element.hidden = false;
    if (kind === 'info') timer = setTimeout(() => (element.hidden = true), 4_000);
  };
  close.addEventListener('click', () => (element.hidden = true));
  return { element, info: (m) => show(m, 'info'), error: (m) => show(m, 'error') };
}
