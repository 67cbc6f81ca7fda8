/**
 * Reconnect history: counts per cause with their plain meaning, an uptime timeline for the last
 * 24 hours or 7 days (a small SVG bar chart, one bar per bucket, with a text summary for screen
 * readers), and every drop and recovery with time, close code, outage and what brought it back.
 */
import type { CloseCause, ConnectionStateKind, HistoryEntryView, HistoryView, UptimeBucketView } from '../../main/contract/api.js';
// Values from the contract's zod-free part: the window's bundle must not carry zod (see api.ts).
import { CLOSE_POLICY } from '../../main/contract/connection.js';
import { h, replaceChildren, svg } from '../lib/dom.js';
import { downloadText } from '../lib/download.js';
import {
  exportName,
  formatClock,
  formatDay,
  formatDuration,
  formatFull,
  formatPercent,
  formatWhen,
} from '../lib/format.js';
import type { View, ViewContext } from './context.js';

const STATE_WORDS: Record<ConnectionStateKind, string> = {
  idle: 'Not started',
  connecting: 'Connecting',
  'awaiting-qr': 'Waiting for a scan',
  'qr-expired': 'QR code expired',
  open: 'Connected',
  reconnecting: 'Dropped',
  conflict: 'Open elsewhere',
  'logged-out': 'Logged out',
  forbidden: 'Refused',
  'needs-relink': 'Needs relinking',
  stopped: 'Stopped',
};

const RECOVERED_BY: Record<string, string> = {
  startup: 'App start',
  backoff: 'Automatic retry',
  restart: 'Restart after linking',
  resume: 'Computer woke up',
  network: 'Network came back',
  user: 'You (reconnect / use here)',
  relink: 'Relink',
};

type Range = 'day' | 'week';
const CHART_W = 480;
const CHART_H = 64;

export function createHistory(ctx: ViewContext): View {
  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'history-export' }, 'Export CSV');
  const dayButton = h(
    'button',
    { type: 'button', class: 'segment', 'aria-pressed': 'true', 'data-testid': 'uptime-range-day' },
    'Last 24 h',
  );
  const weekButton = h(
    'button',
    { type: 'button', class: 'segment', 'aria-pressed': 'false', 'data-testid': 'uptime-range-week' },
    'Last 7 days',
  );
  const summary = h('p', { class: 'uptime-summary', 'data-testid': 'uptime-summary' });
  const chart = svg('svg', {
    class: 'chart',
    'data-testid': 'uptime-chart',
    viewBox: `0 0 ${CHART_W} ${CHART_H}`,
    preserveAspectRatio: 'none',
    role: 'img',
    focusable: 'false',
  });
  const axis = h('div', { class: 'axis', 'aria-hidden': 'true' });
  const countsBody = h('tbody');
  const countsTable = h(
    'table',
    { class: 'grid compact', 'data-testid': 'history-counts' },
    h('caption', { class: 'sr-only' }, 'Drops per cause'),
    h(
      'thead',
      undefined,
      h('tr', undefined, h('th', { scope: 'col' }, 'Cause'), h('th', { scope: 'col' }, 'What it means'), h('th', { scope: 'col', class: 'num' }, 'Drops')),
    ),
    countsBody,
  );
  const countsEmpty = h('p', { class: 'empty', 'data-testid': 'history-counts-empty' }, 'No drops recorded.');
  const entriesBody = h('tbody');
  const entriesTable = h(
    'table',
    { class: 'grid', 'data-testid': 'history-table' },
    h('caption', { class: 'sr-only' }, 'Connection changes, newest first'),
    h(
      'thead',
      undefined,
      h(
        'tr',
        undefined,
        ...['Time', 'What happened', 'Code', 'Outage', 'Attempt', 'Brought back by'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    entriesBody,
  );

  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'history-heading' },
    h('div', { class: 'screen-head' }, h('h2', { id: 'history-heading' }, 'Reconnect history'), exportButton),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'uptime-heading' },
      h(
        'div',
        { class: 'screen-head' },
        h('h3', { id: 'uptime-heading' }, 'Uptime'),
        h('div', { class: 'segments', role: 'group', 'aria-label': 'Time range' }, dayButton, weekButton),
      ),
      summary,
      chart,
      axis,
      h(
        'p',
        { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'swatch up' }),
        'connected ',
        h('span', { class: 'swatch down' }),
        'not connected',
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'causes-heading' },
      h('h3', { id: 'causes-heading' }, 'Why the connection dropped'),
      countsTable,
      countsEmpty,
    ),
    h(
      'section',
      { 'aria-labelledby': 'changes-heading' },
      h('h3', { id: 'changes-heading' }, 'Every change'),
      h('div', { class: 'table-wrap', tabindex: 0, 'aria-label': 'Connection changes table' }, entriesTable),
    ),
  );

  let data: HistoryView | undefined;
  let range: Range = 'day';

  const meaningOf = (cause: CloseCause) => data?.causeMeanings[cause] ?? CLOSE_POLICY[cause]?.meaning ?? cause;

  const renderChart = () => {
    const buckets: UptimeBucketView[] = data ? data[range] : [];
    const now = Date.now();
    chart.dataset.range = range;
    const n = Math.max(1, buckets.length);
    const slot = CHART_W / n;
    const gap = n > 60 ? 0 : Math.min(2, slot * 0.15);
    const bars = buckets.map((b, i) => {
      const future = b.start >= now;
      // Before the first record there is no data: drawn like the future, not as downtime.
      const noData = future || b.known <= 0;
      // Of the time the history covers in this slot, the share the link was open.
      const up = b.known > 0 ? Math.max(0, Math.min(1, b.up / b.known)) : 0;
      const height = noData ? 0 : up * CHART_H;
      const x = i * slot;
      const label = `${range === 'day' ? formatClock(b.start) : formatWhen(b.start)}–${formatClock(b.end)}: ${
        future ? 'not yet' : noData ? 'no data' : `connected ${formatPercent(up)}`
      }`;
      return svg(
        'g',
        { 'data-testid': 'uptime-bar', 'data-up': up.toFixed(3) },
        svg('title', undefined, label),
        svg('rect', { class: noData ? 'track future' : 'track', x, y: 0, width: slot - gap, height: CHART_H }),
        svg('rect', { class: 'bar', x, y: CHART_H - height, width: slot - gap, height }),
      );
    });
    replaceChildren(chart, ...bars);

    const past = buckets.filter((b) => b.start < now);
    // Only the time the history covers counts (a new install is not "down" before it ran).
    const total = past.reduce((sum, b) => sum + Math.max(0, Math.min(1, b.known)) * (Math.min(b.end, now) - b.start), 0);
    const upMs = past.reduce((sum, b) => sum + Math.max(0, Math.min(1, b.up)) * (Math.min(b.end, now) - b.start), 0);
    const span = range === 'day' ? 'the last 24 hours' : 'the last 7 days';
    const text = total > 0 ? `Connected ${formatPercent(upMs / total)} of ${span}.` : `No uptime data for ${span} yet.`;
    summary.textContent = text;
    chart.setAttribute('aria-label', `Uptime chart: ${text}`);

    const first = buckets[0];
    const last = buckets[buckets.length - 1];
    const mid = buckets[Math.floor(buckets.length / 2)];
    const fmt = range === 'day' ? formatClock : formatDay;
    replaceChildren(
      axis,
      ...(first && last && mid ? [h('span', undefined, fmt(first.start)), h('span', undefined, fmt(mid.start)), h('span', undefined, range === 'day' ? 'now' : fmt(last.start))] : []),
    );
  };

  const renderCounts = () => {
    const counts = Object.entries(data?.countsByCause ?? {}) as Array<[CloseCause, number]>;
    counts.sort((a, b) => b[1] - a[1]);
    replaceChildren(
      countsBody,
      ...counts.map(([cause, n]) =>
        h(
          'tr',
          { 'data-testid': 'history-count', 'data-cause': cause },
          h('td', undefined, h('code', undefined, cause)),
          h('td', undefined, meaningOf(cause)),
          h('td', { class: 'num', 'data-testid': 'history-count-value' }, n),
        ),
      ),
    );
    countsTable.hidden = counts.length === 0;
    countsEmpty.hidden = counts.length > 0;
  };

  const entryRow = (e: HistoryEntryView) => {
    const word = STATE_WORDS[e.state] ?? e.state;
    const same = e.meaning.trim().toLowerCase() === word.toLowerCase();
    const what = h('td', undefined, h('strong', undefined, word), same ? null : ` — ${e.meaning}`);
    return h(
      'tr',
      { 'data-testid': 'history-row', 'data-state': e.state, 'data-cause': e.cause ?? '' },
      h('td', { class: 'nowrap' }, h('time', { datetime: new Date(e.at).toISOString(), title: formatFull(e.at) }, formatWhen(e.at))),
      what,
      h('td', { class: 'num' }, e.code ?? ''),
      h('td', { class: 'nowrap' }, e.outageMs !== undefined ? formatDuration(e.outageMs) : e.delayMs !== undefined ? `retry in ${formatDuration(e.delayMs)}` : ''),
      h('td', { class: 'num' }, e.attempt ?? ''),
      h('td', undefined, e.recoveredBy ? (RECOVERED_BY[e.recoveredBy] ?? e.recoveredBy) : ''),
    );
  };

  const render = () => {
    renderChart();
    renderCounts();
    replaceChildren(entriesBody, ...(data?.entries ?? []).map(entryRow));
  };

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const r = await ctx.run('getHistory', { limit: 500 });
    if (mine !== seq || !r.ok) return;
    data = r.value;
    render();
  };

  const setRange = (next: Range) => {
    range = next;
    dayButton.setAttribute('aria-pressed', String(next === 'day'));
    weekButton.setAttribute('aria-pressed', String(next === 'week'));
    renderChart();
  };
  dayButton.addEventListener('click', () => setRange('day'));
  weekButton.addEventListener('click', () => setRange('week'));

  exportButton.addEventListener('click', () => {
    exportButton.disabled = true;
    void ctx.run('exportHistory').then((r) => {
      exportButton.disabled = false;
      if (!r.ok) return;
      downloadText(exportName('reconnect-history'), r.value);
      ctx.notify.info('Reconnect history exported.');
    });
  });

  let debounce: ReturnType<typeof setTimeout> | undefined;
  ctx.api.on('history', () => {
    if (!data) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void load(), 500);
  });

  render();
  return { element: root, onShow: () => void load(), resync: () => void load() };
}
