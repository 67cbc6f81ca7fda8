/**
 * Chat memory (Settings): the chats whose recent turns AI replies can see, with "Forget" per chat
 * and "Forget all". Only names and masked numbers are shown, never the messages.
 */
import type { ChatMemoryView } from '../../main/contract/api.js';
import { h, nextId, replaceChildren } from '../lib/dom.js';
import { formatWhen } from '../lib/format.js';
import type { ViewContext } from './context.js';

export function createChatMemoryCard(ctx: ViewContext): { element: HTMLElement; onShow(): void } {
  const list = h('ul', { class: 'chat-memory-list', 'data-testid': 'chat-memory-list' });
  const empty = h('p', { class: 'empty', 'data-testid': 'chat-memory-empty' }, 'No chat is remembered.');
  const forgetAll = h('button', { type: 'button', class: 'link danger', 'data-testid': 'chat-memory-forget-all' }, 'Forget all chats');
  const status = h('p', { class: 'hint', role: 'status', 'data-testid': 'chat-memory-status' });
  const headingId = nextId('memory');
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': headingId, 'data-testid': 'chat-memory-card' },
    h('h3', { id: headingId }, 'Chat memory for AI replies'),
    h(
      'p',
      { class: 'hint' },
      'While a rule answers with an AI model and uses earlier messages, Replyline keeps the last messages of each chat, encrypted on this computer, for as many days as set above.',
    ),
    list,
    empty,
    forgetAll,
    status,
  );

  const render = (chats: ChatMemoryView[]) => {
    replaceChildren(
      list,
      ...chats.map((c) => {
        const who = c.contactName || c.contactMasked || 'Unknown contact';
        const forget = h('button', { type: 'button', class: 'link danger', 'aria-label': `Forget the chat with ${who}`, 'data-testid': 'chat-memory-forget' }, 'Forget');
        forget.addEventListener('click', () => {
          forget.disabled = true;
          void ctx.run('forgetChat', { id: c.id }).then((r) => {
            status.textContent = r.ok ? `The chat with ${who} is forgotten.` : '';
            void load();
          });
        });
        return h(
          'li',
          { 'data-testid': 'chat-memory-item' },
          h('strong', undefined, who),
          ' ',
          h('span', { class: 'muted' }, c.contactName ? c.contactMasked : ''),
          ' ',
          h('span', { class: 'hint' }, `${c.turns} message${c.turns === 1 ? '' : 's'}, last ${formatWhen(c.lastAt)}`),
          ' ',
          forget,
        );
      }),
    );
    empty.hidden = chats.length > 0;
    forgetAll.hidden = chats.length === 0;
  };

  const load = async () => {
    const r = await ctx.run('listChatMemory', undefined, true);
    if (r.ok) render(r.value);
  };
  forgetAll.addEventListener('click', () => {
    void ctx.run('forgetAllChats').then((r) => {
      status.textContent = r.ok ? 'Every chat is forgotten.' : '';
      void load();
    });
  });
  render([]);
  return { element, onShow: () => void load() };
}
