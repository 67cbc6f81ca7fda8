/**
 * The prompts for states the person must resolve: "open elsewhere" (440) with Use here /
 * Relink, "link again" for an unusable session, and the explanation for a barred account.
 * Only the prompt for the current state is in the DOM.
 */
import type { ConnectionState } from '../../main/contract/api.js';
import { h, nextId, replaceChildren } from '../lib/dom.js';
import type { ViewContext } from './context.js';

export function createConflictPrompt(ctx: ViewContext): HTMLElement {
  const root = h('div', { class: 'prompt-slot' });
  let shownFor = '';

  const actionButton = (label: string, testid: string, hint: string, run: () => Promise<unknown>, primary: boolean) => {
    const hintEl = h('p', { class: 'hint', id: nextId('hint') }, hint);
    const button = h(
      'button',
      { type: 'button', class: primary ? 'primary' : 'secondary', 'data-testid': testid, 'aria-describedby': hintEl.id },
      label,
    );
    button.addEventListener('click', () => {
      for (const b of root.querySelectorAll('button')) b.disabled = true;
      void run().finally(() => {
        for (const b of root.querySelectorAll('button')) b.disabled = false;
      });
    });
    return h('div', { class: 'choice' }, button, hintEl);
  };

  const prompt = (testid: string, heading: string, body: string[], actions: HTMLElement[]) => {
    const headingId = nextId('prompt');
    return h(
      'section',
      { class: 'prompt', 'data-testid': testid, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, heading),
      ...body.map((p) => h('p', undefined, p)),
      actions.length ? h('div', { class: 'choices' }, ...actions) : null,
    );
  };

  const useHere = () =>
    actionButton(
      'Use here',
      'use-here',
      'Connect once from this computer. The other place will be disconnected.',
      () => ctx.run('useHere'),
      true,
    );
  const relink = (primary: boolean) =>
    actionButton(
      'Relink',
      'relink',
      'Forget this link and show a new QR code to scan with your phone. Queued replies go out only if you link the same account.',
      () => ctx.run('relink'),
      primary,
    );

  const build = (state: ConnectionState): HTMLElement | null => {
    switch (state.kind) {
      case 'conflict':
        return prompt(
          'conflict-prompt',
          'WhatsApp is open elsewhere',
          [
            'This WhatsApp session became active in another place — for example WhatsApp Web in a browser, or another copy of Replyline using the same session.',
            'Replyline stopped and will not retry on its own. Your queued replies are kept.',
          ],
          [useHere(), relink(false)],
        );
      case 'needs-relink':
        return prompt(
          'relink-prompt',
          'Link this computer again',
          [`The stored link to WhatsApp can no longer be used: ${state.reason}.`],
          [relink(true)],
        );
      case 'forbidden':
        return prompt(
          'forbidden-prompt',
          'WhatsApp refused this account',
          [
            'WhatsApp answered that this account may not use linked devices right now (403). Replyline stopped and will not retry.',
            'Check the WhatsApp app on your phone for a notice about the account.',
          ],
          [],
        );
      default:
        return null;
    }
  };

  ctx.store.subscribe((s) => {
    const key = s.connection.kind === 'needs-relink' ? `needs-relink:${s.connection.reason}` : s.connection.kind;
    if (key === shownFor) return;
    shownFor = key;
    replaceChildren(root, build(s.connection));
  });
  return root;
}
