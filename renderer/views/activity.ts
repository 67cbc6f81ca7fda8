/**
 * Activity ("Why no reply?"): every message the rules looked at and what became of it — the
 * reply that went out (with a link to it in the reply log), or the plain reason none did, until
 * when that reason holds, and the rule it is about. Search, filters (contact, outcome, reason,
 * kind) and CSV export work like the reply log's; each row can mute its chat. Decisions arrive and
 * change (a reply sent, a reply called back) as `activity` events.
 *
 * A screen of its own rather than a "show skipped" switch on the reply log: the reply log lists
 * what went out (one row per reply: text, status, attempts), this lists what came in (one row per
 * message: kind, preview, outcome, reason). Mixed in one table, a switch would change what every
 * row and column means.
 */
import type { ActivityOutcome, ActivityView, DecisionReason, InboundKind } from '../../main/contract/api.js';
import { ACTIVITY_OUTCOMES, DECISION_REASONS, INBOUND_KINDS, KIND_WORDS, REASON_WORDS } from '../../main/contract/conversation.js';
import { field, h, nextId, options, replaceChildren } from '../lib/dom.js';
import { exportOnClick, reloadOnFilters } from '../lib/filtered-list.js';
import { contactLabel, formatFull, formatWhen } from '../lib/format.js';
import type { View, ViewContext } from './context.js';
import { focusMuteControl, muteControl } from './mute.js';
import { statusWord } from './replies.js';

const LIMIT = 500;

export const OUTCOME_WORDS = {
  replied: 'Replied',
  skipped: 'No reply',
  cancelled: 'Reply called back',
} as const satisfies Record<ActivityOutcome, string>;

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function createActivity(ctx: ViewContext): View {
  const search = h('input', {
    type: 'search',
    id: nextId('f'),
    'data-testid': 'activity-search',
    placeholder: 'Message or reason',
    maxlength: 200,
    autocomplete: 'off',
  });
  const contact = h('input', {
    type: 'search',
    id: nextId('f'),
    'data-testid': 'activity-contact',
    placeholder: 'Name or number',
    maxlength: 200,
    autocomplete: 'off',
  });
  const outcome = h(
    'select',
    { id: nextId('f'), 'data-testid': 'activity-outcome-filter' },
    ...options([['', 'Everything'], ...ACTIVITY_OUTCOMES.map((o) => [o, OUTCOME_WORDS[o]] as const)]),
  );
  const reason = h(
    'select',
    { id: nextId('f'), 'data-testid': 'activity-reason-filter' },
    ...options([['', 'Any reason'], ...DECISION_REASONS.map((r) => [r, capitalised(REASON_WORDS[r])] as const)]),
  );
  const kind = h(
    'select',
    { id: nextId('f'), 'data-testid': 'activity-kind-filter' },
    ...options([['', 'Any kind'], ...INBOUND_KINDS.map((k) => [k, capitalised(KIND_WORDS[k])] as const)]),
  );
  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'activity-export' }, 'Export CSV');
  const count = h('p', { class: 'count', role: 'status', 'data-testid': 'activity-count' });
  const body = h('tbody');
  const empty = h('p', { class: 'empty', 'data-testid': 'activity-empty', hidden: true });
  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'activity-table' },
    h('caption', { class: 'sr-only' }, 'Messages the rules looked at, newest first'),
    h(
      'thead',
      undefined,
      h('tr', undefined, ...['Time', 'Contact', 'Message', 'What happened', 'Why', 'Reply', 'Chat'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    body,
  );

  const form = h(
    'form',
    { class: 'toolbar', role: 'search', 'data-testid': 'activity-filters' },
    field('Search', search),
    field('Contact', contact),
    field('Outcome', outcome),
    field('Reason', reason),
    field('Kind', kind),
  );
  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'activity-heading' },
    h('div', { class: 'screen-head' }, h('h2', { id: 'activity-heading' }, 'Activity: why a message got a reply, or why not'), exportButton),
    h(
      'p',
      { class: 'hint' },
      'Every message the rules looked at, and what Replyline did: the reply that went out, or the reason it stayed quiet (no rule, schedule, cooldown, you answered yourself, muted chat, …).',
    ),
    form,
    count,
    h('div', { class: 'table-wrap', tabindex: 0, 'aria-label': 'Activity table' }, table),
    empty,
  );

  let rows: ActivityView[] = [];
  let loaded = false;
  let seq = 0;

  type Query = { search?: string; contact?: string; outcome?: ActivityOutcome; reason?: DecisionReason; kind?: InboundKind; limit: number };
  const query = (): Query => {
    const q: Query = { limit: LIMIT };
    const text = search.value.trim();
    if (text) q.search = text;
    const who = contact.value.trim();
    if (who) q.contact = who;
    if (outcome.value) q.outcome = outcome.value as ActivityOutcome;
    if (reason.value) q.reason = reason.value as DecisionReason;
    if (kind.value) q.kind = kind.value as InboundKind;
    return q;
  };
  /** Whether a record still belongs in the list under the chosen filters (for live changes). */
  const fits = (a: ActivityView) =>
    (!outcome.value || a.outcome === outcome.value) && (!reason.value || a.reason === reason.value) && (!kind.value || a.kind === kind.value);

  const untilCell = (a: ActivityView) => {
    if (a.until === undefined) return null;
    const over = a.until <= Date.now();
    return h(
      'span',
      { class: 'muted block', 'data-testid': 'activity-until' },
      over ? 'Over since ' : 'Until ',
      h('time', { datetime: new Date(a.until).toISOString(), title: formatFull(a.until) }, formatWhen(a.until)),
    );
  };

  const replyCell = (a: ActivityView) => {
    const replyId = a.replyId;
    if (!replyId) return '';
    const link = h(
      'button',
      { type: 'button', class: 'link', 'data-testid': 'activity-reply-link', 'aria-label': `See the reply to ${contactLabel(a.contactName, a.contactMasked).name} in the reply log` },
      'See reply',
    );
    link.addEventListener('click', () => ctx.revealReply(replyId));
    return h(
      'span',
      { class: 'nowrap' },
      link,
      a.replyStatus ? h('span', { class: `badge status-${a.replyStatus}` }, statusWord(a.replyStatus)) : null,
    );
  };

  /** After a mute or unmute, focus goes back to the same row's control (the rows were re-rendered). */
  const refocusIn = (rowId: string) => (chatId: string) =>
    focusMuteControl(body.querySelector(`[data-testid=activity-row][data-id="${CSS.escape(rowId)}"]`) ?? body, chatId);
  const row = (a: ActivityView) => {
    const who = contactLabel(a.contactName, a.contactMasked);
    return h(
      'tr',
      { 'data-testid': 'activity-row', 'data-id': a.id, 'data-outcome': a.outcome, 'data-reason': a.reason ?? '', 'data-kind': a.kind },
      h('td', { class: 'nowrap' }, h('time', { datetime: new Date(a.at).toISOString(), title: formatFull(a.at) }, formatWhen(a.at))),
      h(
        'td',
        undefined,
        who.name,
        who.masked ? h('span', { class: 'muted block nowrap' }, who.masked) : null,
        a.isGroup ? h('span', { class: 'muted block' }, 'in a group') : null,
      ),
      h('td', { class: 'text' }, h('span', { class: 'badge kind', 'data-testid': 'activity-kind' }, capitalised(KIND_WORDS[a.kind])), ' ', a.preview),
      h(
        'td',
        undefined,
        h('span', { class: `badge outcome-${a.outcome}`, 'data-testid': 'activity-outcome' }, OUTCOME_WORDS[a.outcome]),
        a.reason ? h('span', { class: 'muted block', 'data-testid': 'activity-reason' }, capitalised(REASON_WORDS[a.reason])) : null,
      ),
      h(
        'td',
        { class: 'text why' },
        h('span', { 'data-testid': 'activity-explanation' }, a.explanation),
        untilCell(a),
        a.ruleName ? h('span', { class: 'muted block', 'data-testid': 'activity-rule' }, `Rule: ${a.ruleName}`) : null,
      ),
      h('td', undefined, replyCell(a)),
      h('td', { class: 'nowrap' }, muteControl(ctx, a.chatId, who.name, refocusIn(a.id))),
    );
  };

  const render = () => {
    replaceChildren(body, ...rows.map(row));
    table.hidden = rows.length === 0;
    empty.hidden = rows.length > 0;
    const filtered = Object.keys(query()).length > 1;
    empty.textContent = filtered ? 'No messages match.' : 'Nothing yet. Each message the rules look at shows up here with what Replyline did about it.';
    count.textContent =
      rows.length >= LIMIT
        ? `Showing the newest ${LIMIT} messages`
        : `${rows.length} ${rows.length === 1 ? 'message' : 'messages'}${filtered ? ' match' : ''}`;
  };

  const load = async () => {
    const mine = ++seq;
    const r = await ctx.run('listActivity', query());
    if (mine !== seq || !r.ok) return;
    rows = r.value;
    loaded = true;
    render();
  };

  const reload = reloadOnFilters({ load, typed: [search, contact], picked: [outcome, reason, kind], form });
  const reloadSoon = reload.soon;
  exportOnClick(exportButton, {
    what: 'activity',
    run: () => {
      const { limit: _limit, ...q } = query();
      return ctx.run('exportActivity', q);
    },
    done: () => ctx.notify.info('Activity exported.'),
  });

  ctx.api.on('activity', (record) => {
    const i = rows.findIndex((a) => a.id === record.id);
    if (i >= 0) {
      // A shown record changed (its reply went out, was called back): patch it in place.
      if (fits(record)) rows[i] = record;
      else rows.splice(i, 1);
      render();
    } else if (loaded) {
      // A new decision: read the list again, so search and filters apply as the core has them.
      reloadSoon(300);
    }
  });
  ctx.store.subscribe((s, prev) => {
    if (s.muted !== prev.muted && loaded) render();
  });

  return { element: root, onShow: () => void load(), resync: () => void load() };
}
