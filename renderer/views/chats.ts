/**
 * Chats: the muted chats, each with until when and Unmute, and the chats Replyline has seen
 * recently (`listChats`), searchable, each with the same mute control as the reply log and
 * activity rows. The muted list is the store's (the `muted` event replaces it); the recent chats
 * are read when the screen is shown and again when a new decision arrives.
 */
import type { ChatView, MutedChatView } from '../../main/contract/api.js';
import { field, h, nextId, replaceChildren } from '../lib/dom.js';
import { contactLabel, formatFull, formatWhen } from '../lib/format.js';
import type { View, ViewContext } from './context.js';
import { focusMuteControl, muteControl, mutedUntilWords, unmuteChat } from './mute.js';

const LIMIT = 200;

/** A chat's label: the contact's name and masked number, or "Group" and the last sender. */
function chatLabel(c: { name: string; masked: string; isGroup: boolean }): { name: string; detail: string } {
  if (c.isGroup) return { name: c.name ? `Group (last: ${contactLabel(c.name, '').name})` : 'A group', detail: '' };
  const who = contactLabel(c.name, c.masked);
  return { name: who.name, detail: who.masked };
}

export function createChats(ctx: ViewContext): View {
  // ---- Muted chats ---------------------------------------------------------------------------
  const mutedList = h('ul', { class: 'chat-list', 'data-testid': 'muted-list', 'aria-labelledby': 'muted-heading' });
  const mutedEmpty = h('p', { class: 'empty', 'data-testid': 'muted-empty' }, 'No chat is muted.');

  const mutedItem = (m: MutedChatView) => {
    const who = chatLabel(m);
    const unmute = h(
      'button',
      { type: 'button', class: 'secondary small', 'data-testid': 'muted-unmute', 'data-chat-id': m.chatId, 'aria-label': `Unmute the chat with ${who.name}` },
      'Unmute',
    );
    unmute.addEventListener('click', () => {
      unmute.disabled = true;
      const index = ctx.store.get().muted.findIndex((x) => x.chatId === m.chatId);
      void unmuteChat(ctx, m.chatId, who.name).then((ok) => {
        if (!ok) {
          unmute.disabled = false;
          return;
        }
        // Keep keyboard focus in the list: the next Unmute, or the search below.
        const buttons = mutedList.querySelectorAll<HTMLElement>('[data-testid=muted-unmute]');
        (buttons[Math.min(index, buttons.length - 1)] ?? search).focus();
      });
    });
    return h(
      'li',
      { class: 'chat-item', 'data-testid': 'muted-item', 'data-chat-id': m.chatId },
      h('strong', undefined, who.name),
      who.detail ? h('span', { class: 'muted nowrap' }, who.detail) : null,
      h(
        'span',
        { class: 'hint' },
        `Muted ${mutedUntilWords(m.until)} (since `,
        h('time', { datetime: new Date(m.mutedAt).toISOString(), title: formatFull(m.mutedAt) }, formatWhen(m.mutedAt)),
        ')',
      ),
      h('span', { class: 'spacer' }),
      unmute,
    );
  };

  const renderMuted = (muted: readonly MutedChatView[]) => {
    const sorted = [...muted].sort((a, b) => b.mutedAt - a.mutedAt);
    replaceChildren(mutedList, ...sorted.map(mutedItem));
    mutedList.hidden = muted.length === 0;
    mutedEmpty.hidden = muted.length > 0;
  };

  // ---- Recent chats --------------------------------------------------------------------------
  const search = h('input', {
    type: 'search',
    id: nextId('f'),
    'data-testid': 'chats-search',
    placeholder: 'Name or number',
    maxlength: 200,
    autocomplete: 'off',
  });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'chats-table' },
    h('caption', { class: 'sr-only' }, 'Recent chats, most recent first'),
    h('thead', undefined, h('tr', undefined, ...['Chat', 'Last message', 'Auto-replies'].map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
  const chatsEmpty = h('p', { class: 'empty', 'data-testid': 'chats-empty', hidden: true });
  const refocus = (chatId: string) => focusMuteControl(body, chatId);

  const chatRow = (c: ChatView) => {
    const who = chatLabel(c);
    return h(
      'tr',
      { 'data-testid': 'chat-row', 'data-chat-id': c.chatId },
      h('td', undefined, who.name, who.detail ? h('span', { class: 'muted block nowrap' }, who.detail) : null),
      h('td', { class: 'nowrap' }, h('time', { datetime: new Date(c.lastAt).toISOString(), title: formatFull(c.lastAt) }, formatWhen(c.lastAt))),
      h('td', { class: 'nowrap' }, muteControl(ctx, c.chatId, who.name, refocus)),
    );
  };

  let chats: ChatView[] = [];
  let loaded = false;
  let seq = 0;
  const renderChats = () => {
    replaceChildren(body, ...chats.map(chatRow));
    table.hidden = chats.length === 0;
    chatsEmpty.hidden = chats.length > 0;
    chatsEmpty.textContent = search.value.trim()
      ? 'No chat matches.'
      : 'No chats yet. A chat shows up here once a message in it has reached the rules.';
  };
  const load = async () => {
    const mine = ++seq;
    const text = search.value.trim();
    const r = await ctx.run('listChats', { limit: LIMIT, ...(text ? { search: text } : {}) });
    if (mine !== seq || !r.ok) return;
    chats = r.value;
    loaded = true;
    renderChats();
  };
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = (ms: number) => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void load(), ms);
  };
  search.addEventListener('input', () => reloadSoon(200));

  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'chats-heading' },
    h('h2', { id: 'chats-heading' }, 'Chats'),
    h(
      'p',
      { class: 'hint' },
      'Mute auto-replies in one chat — for an hour, eight hours, or until you unmute it — while everyone else still gets them. A reply still waiting in that chat is called back.',
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'muted-heading' },
      h('h3', { id: 'muted-heading' }, 'Muted chats'),
      mutedList,
      mutedEmpty,
    ),
    h(
      'section',
      { 'aria-labelledby': 'recent-chats-heading', class: 'stack' },
      h('h3', { id: 'recent-chats-heading' }, 'Recent chats'),
      h(
        'form',
        { class: 'toolbar', role: 'search', 'data-testid': 'chats-filters' },
        field('Search', search),
      ),
      h('div', { class: 'table-wrap', tabindex: 0, 'aria-label': 'Recent chats table' }, table),
      chatsEmpty,
    ),
  );
  root.querySelector('form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    reloadSoon(0);
  });

  ctx.store.subscribe((s, prev) => {
    if (s.muted === prev.muted) return;
    renderMuted(s.muted);
    if (loaded) renderChats();
  });
  // A new decision may be a new chat, or a newer last message.
  ctx.api.on('activity', () => {
    if (loaded) reloadSoon(500);
  });
  renderMuted(ctx.store.get().muted);

  return { element: root, onShow: () => void load(), resync: () => void load() };
}
