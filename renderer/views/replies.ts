/**
 * The reply log: every reply Replyline decided to send, with contact (name and masked number),
 * rule, text, status, attempts and last error, and muting the chat it went to. Filter by status
 * and contact, search the text, export as CSV (the core writes the CSV; this screen only saves
 * it). New replies and status changes arrive as `reply` events; the activity screen links here
 * (`reveal`).
 */
import type { ReplyStatus, ReplyView } from '../../main/contract/api.js';
import { field, h, nextId, options, replaceChildren } from '../lib/dom.js';
import { exportOnClick, reloadOnFilters } from '../lib/filtered-list.js';
import { contactLabel, formatFull, formatWhen } from '../lib/format.js';
import type { View, ViewContext } from './context.js';
import { focusMuteControl, muteControl } from './mute.js';

const LIMIT = 500;

/** Every status, in the order a reply moves through them (kept in step with the contract). */
const STATUS_WORDS = {
  generating: 'Writing',
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  expired: 'Expired',
  cancelled: 'Cancelled',
} as const satisfies Record<ReplyStatus, string>;

export function statusWord(status: ReplyStatus): string {
  return STATUS_WORDS[status] ?? status;
}

export function createReplies(ctx: ViewContext): View & { reveal(id: string): void } {
  const search = h('input', {
    type: 'search',
    id: nextId('f'),
    'data-testid': 'reply-search',
    placeholder: 'Words in the reply',
    maxlength: 200,
    autocomplete: 'off',
  });
  const contact = h('input', {
    type: 'search',
    id: nextId('f'),
    'data-testid': 'reply-contact',
    placeholder: 'Name or number',
    maxlength: 200,
    autocomplete: 'off',
  });
  const status = h(
    'select',
    { id: nextId('f'), 'data-testid': 'reply-status-filter' },
    ...options([['', 'All statuses'], ...Object.entries(STATUS_WORDS)]),
  );
  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'reply-export' }, 'Export CSV');
  const count = h('p', { class: 'count', role: 'status', 'data-testid': 'reply-count' });
  const body = h('tbody');
  const empty = h('p', { class: 'empty', 'data-testid': 'reply-empty', hidden: true }, 'No replies yet.');
  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'reply-table' },
    h('caption', { class: 'sr-only' }, 'Replies, newest first'),
    h(
      'thead',
      undefined,
      h(
        'tr',
        undefined,
        ...['Time', 'Contact', 'Rule', 'Reply', 'Status', 'Attempts', 'Last error', 'Chat'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    body,
  );

  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'replies-heading' },
    h('h2', { id: 'replies-heading' }, 'Reply log'),
    h(
      'form',
      { class: 'toolbar', role: 'search', 'data-testid': 'reply-filters' },
      field('Search', search),
      field('Contact', contact),
      field('Status', status),
      exportButton,
    ),
    count,
    h('div', { class: 'table-wrap', tabindex: 0, 'aria-label': 'Reply log table' }, table),
    empty,
  );

  let rows: ReplyView[] = [];
  let loaded = false;
  let seq = 0;
  /** The reply an activity row linked to: marked until another one is. */
  let highlighted: string | undefined;

  const query = () => {
    const q: { search?: string; contact?: string; status?: ReplyStatus; limit: number } = { limit: LIMIT };
    const text = search.value.trim();
    if (text) q.search = text;
    const who = contact.value.trim();
    if (who) q.contact = who;
    if (status.value) q.status = status.value as ReplyStatus;
    return q;
  };

  /** After a mute or unmute, focus goes back to the same row's control (the rows were re-rendered). */
  const refocusIn = (rowId: string) => (chatId: string) =>
    focusMuteControl(body.querySelector(`[data-testid=reply-row][data-id="${CSS.escape(rowId)}"]`) ?? body, chatId);
  const row = (r: ReplyView) => {
    const who = contactLabel(r.contactName, r.contactMasked);
    return h(
      'tr',
      { 'data-testid': 'reply-row', 'data-id': r.id, 'data-status': r.status, class: r.id === highlighted ? 'highlight' : undefined },
      h('td', { class: 'nowrap' }, h('time', { datetime: new Date(r.at).toISOString(), title: formatFull(r.at) }, formatWhen(r.at))),
      h('td', undefined, who.name, who.masked ? h('span', { class: 'muted block nowrap' }, who.masked) : null),
      h('td', undefined, r.ruleName),
      h('td', { class: 'text' }, r.text),
      h('td', undefined, h('span', { class: `badge status-${r.status}` }, statusWord(r.status))),
      h('td', { class: 'num' }, r.attempts),
      h('td', { class: 'error-text' }, r.lastError ?? ''),
      h('td', { class: 'nowrap' }, r.chatId ? muteControl(ctx, r.chatId, who.name, refocusIn(r.id)) : ''),
    );
  };

  const render = () => {
    replaceChildren(body, ...rows.map(row));
    table.hidden = rows.length === 0;
    empty.hidden = rows.length > 0;
    const filtered = search.value.trim() !== '' || contact.value.trim() !== '' || status.value !== '';
    empty.textContent = filtered ? 'No replies match.' : 'No replies yet.';
    count.textContent =
      rows.length >= LIMIT
        ? `Showing the newest ${LIMIT} replies`
        : `${rows.length} ${rows.length === 1 ? 'reply' : 'replies'}${filtered ? ' match' : ''}`;
  };

  const load = async (): Promise<boolean> => {
    const mine = ++seq;
    const r = await ctx.run('listReplies', query());
    if (mine !== seq || !r.ok) return false;
    rows = r.value;
    loaded = true;
    render();
    return true;
  };

  const reload = reloadOnFilters({ load, typed: [search, contact], picked: [status], form: root.querySelector('form') });
  const reloadSoon = reload.soon;
  exportOnClick(exportButton, {
    what: 'replies',
    run: () => {
      const { limit: _limit, ...q } = query();
      return ctx.run('exportReplies', q);
    },
    done: () => ctx.notify.info('Reply log exported.'),
  });

  ctx.api.on('reply', (reply) => {
    const i = rows.findIndex((r) => r.id === reply.id);
    if (i >= 0) {
      // A status change of a shown reply: patch the row in place (unless it now falls outside the filter).
      if (status.value && reply.status !== status.value) rows.splice(i, 1);
      else rows[i] = reply;
      render();
    } else if (loaded) {
      reloadSoon(300);
    }
  });

  // Muting a chat changes the Chat cell of every reply to it.
  ctx.store.subscribe((s, prev) => {
    if (s.muted !== prev.muted && loaded) render();
  });

  /** Show one reply: the filters are cleared so it is in the list, then it is marked and focused. */
  const reveal = (id: string) => {
    reload.cancel();
    search.value = '';
    contact.value = '';
    status.value = '';
    highlighted = id;
    void load().then((ok) => {
      if (!ok) return;
      const target = body.querySelector<HTMLElement>(`[data-testid=reply-row][data-id="${CSS.escape(id)}"]`);
      if (!target) {
        ctx.notify.error('That reply is no longer in the reply log.');
        return;
      }
      target.tabIndex = -1;
      target.scrollIntoView({ block: 'center' });
      target.focus();
    });
  };

  return { element: root, onShow: () => void load(), resync: () => void load(), reveal };
}
