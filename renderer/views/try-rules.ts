/**
 * "Try a message" (rules editor): type a message, pick its kind, who sends it (a name or a
 * number, in a group or not, mentioned or not, when they last wrote) and when; the core's dry run
 * (`tryRules`) answers which rule would reply and with exactly what text, or why none would, and
 * what would hold the reply back right now (auto-reply off, the chat muted, …). It runs on the
 * rules as edited here, saved or not, or on the saved ones. Nothing is sent.
 */
import type { ApiError, MessageKind, TryRulesNote, TryRulesResult } from '../../main/contract/api.js';
import { KIND_WORDS, MESSAGE_KINDS, REASON_WORDS } from '../../main/contract/conversation.js';
import { checkbox, field, h, nextId, options, replaceChildren } from '../lib/dom.js';
import { formatDuration, formatFull, formatWhen } from '../lib/format.js';
import type { Json } from '../lib/paths.js';
import type { ViewContext } from './context.js';

export const DEFAULT_TRY_TEXT = 'Hi! Are you open today?';

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "1–3 s", "2 s", "at once". */
function delayWords(delay: { min: number; max: number }): string {
  if (delay.max <= 0) return 'at once';
  if (delay.min === delay.max) return `after ${formatDuration(delay.min)}`;
  const s = (ms: number) => Math.round(ms / 100) / 10;
  return delay.max < 60_000 ? `after ${s(delay.min)}–${s(delay.max)} s` : `after ${formatDuration(delay.min)} to ${formatDuration(delay.max)}`;
}

export interface TryPanelSource {
  /** The rules as edited now (unsaved changes included). */
  draft(): Json[];
  dirty(): boolean;
}

export function createTryPanel(ctx: ViewContext, source: TryPanelSource): { element: HTMLElement } {
  const text = h('textarea', { rows: 2, maxlength: 4096, 'data-testid': 'try-text', id: nextId('try') });
  text.value = DEFAULT_TRY_TEXT;
  const kind = h(
    'select',
    { 'data-testid': 'try-kind', id: nextId('try') },
    ...options(MESSAGE_KINDS.map((k) => [k, capitalised(KIND_WORDS[k])] as const), 'text'),
  );
  const name = h('input', { type: 'text', 'data-testid': 'try-name', id: nextId('try'), maxlength: 100, autocomplete: 'off', placeholder: 'Maria Schmidt' });
  const number = h('input', {
    type: 'text',
    'data-testid': 'try-number',
    id: nextId('try'),
    maxlength: 40,
    autocomplete: 'off',
    inputmode: 'tel',
    placeholder: '+49 151 …',
  });
  const group = checkbox('In a group', { 'data-testid': 'try-group' });
  const mentioned = checkbox('I am mentioned', { 'data-testid': 'try-mentioned', disabled: true });
  const history = h(
    'select',
    { 'data-testid': 'try-history', id: nextId('try') },
    ...options([
      ['known', 'As Replyline remembers them'],
      ['never', 'Never wrote before'],
      ['days', 'Some days ago'],
    ]),
  );
  const days = h('input', { type: 'number', min: 0, max: 3650, step: 1, inputmode: 'numeric', 'data-testid': 'try-days', id: nextId('try'), value: '1' });
  const daysField = h('div', { class: 'field', hidden: true }, h('label', { for: days.id }, 'Days since their last message'), days);
  const at = h('input', { type: 'datetime-local', 'data-testid': 'try-at', id: nextId('try'), step: 60 });
  const rulesName = nextId('try-rules');
  const edited = h('input', { type: 'radio', name: rulesName, value: 'edited', checked: true, 'data-testid': 'try-rules-edited' });
  const saved = h('input', { type: 'radio', name: rulesName, value: 'saved', 'data-testid': 'try-rules-saved' });
  const run = h('button', { type: 'submit', class: 'primary', 'data-testid': 'try-run' }, 'Try it');
  const result = h('div', { class: 'try-result', role: 'status', 'aria-live': 'polite', 'data-testid': 'try-result' });

  const textField = field('Message', text);
  const syncControls = () => {
    const call = kind.value === 'missed-call';
    text.disabled = call;
    textField.hidden = call;
    mentioned.input.disabled = !group.input.checked;
    if (!group.input.checked) mentioned.input.checked = false;
    daysField.hidden = history.value !== 'days';
  };
  kind.addEventListener('change', syncControls);
  group.input.addEventListener('change', syncControls);
  history.addEventListener('change', syncControls);

  const headingId = nextId('try-heading');
  const form = h(
    'form',
    { class: 'card try-panel', 'data-testid': 'try-panel', 'aria-labelledby': headingId, novalidate: true },
    h('h3', { id: headingId }, 'Try a message'),
    h('p', { class: 'hint' }, 'See which rule would answer a message, and exactly what it would say. Nothing is sent.'),
    h(
      'div',
      { class: 'try-grid' },
      h(
        'fieldset',
        undefined,
        h('legend', undefined, 'The message'),
        textField,
        field('Kind', kind),
        field('Time', at, 'Empty: now. In this computer’s time zone.'),
      ),
      h(
        'fieldset',
        undefined,
        h('legend', undefined, 'From'),
        h(
          'div',
          { class: 'row top' },
          field('Name', name, 'A contact Replyline has seen counts with their history.'),
          field('Number (optional)', number, 'With the country code; it is checked against the rules’ contact lists.'),
        ),
        h('div', { class: 'row' }, group.wrap, mentioned.wrap),
        h('div', { class: 'row' }, field('Their last message', history), daysField),
      ),
    ),
    h(
      'fieldset',
      { class: 'inline' },
      h('legend', undefined, 'Rules'),
      h('label', { class: 'check' }, edited, h('span', undefined, 'As edited here (unsaved changes too)')),
      h('label', { class: 'check' }, saved, h('span', undefined, 'As saved')),
    ),
    h('div', { class: 'form-actions' }, run),
    result,
  );

  const args = () => {
    const k = kind.value as MessageKind;
    const a: {
      text?: string;
      kind: MessageKind;
      contactName?: string;
      contactNumber?: string;
      inGroup?: boolean;
      mentioned?: boolean;
      at?: number;
      daysSinceLastMessage?: number | null;
      rules?: unknown[];
    } = { kind: k };
    if (k !== 'missed-call') a.text = text.value;
    if (name.value.trim()) a.contactName = name.value.trim();
    if (number.value.trim()) a.contactNumber = number.value.trim();
    if (group.input.checked) {
      a.inGroup = true;
      a.mentioned = mentioned.input.checked;
    }
    if (at.value) {
      // datetime-local has no zone: it is this computer's local time, as the person reads it.
      const ms = new Date(at.value).getTime();
      if (Number.isFinite(ms)) a.at = ms;
    }
    if (history.value === 'never') a.daysSinceLastMessage = null;
    else if (history.value === 'days') a.daysSinceLastMessage = Math.max(0, Math.min(3650, Math.round(Number(days.value) || 0)));
    if (edited.checked) a.rules = source.draft();
    return a;
  };

  /** A note, and until when it holds, in this computer's locale. */
  const note = (n: TryRulesNote) =>
    h(
      'li',
      undefined,
      n.text,
      n.until !== undefined
        ? h('span', { 'data-testid': 'try-note-until' }, ' Until ', h('time', { datetime: new Date(n.until).toISOString(), title: formatFull(n.until) }, formatWhen(n.until)), '.')
        : null,
    );
  const notesList = (notes: TryRulesNote[]) =>
    notes.length ? h('ul', { class: 'try-notes', 'data-testid': 'try-notes' }, ...notes.map(note)) : null;

  /** Which rules were tried, when it makes a difference. */
  let triedOn = '';
  const triedLine = () => (triedOn ? h('p', { class: 'hint', 'data-testid': 'try-on' }, triedOn) : null);

  const show = (r: TryRulesResult) => {
    result.dataset.outcome = r.outcome;
    if (r.outcome === 'reply') {
      const when = delayWords(r.delayMs);
      const wait =
        r.graceMs > 0
          ? `It would wait ${formatDuration(r.graceMs)} first, and not be sent if you answer or read the chat meanwhile; then go out ${when}.`
          : `It would go out ${when}.`;
      replaceChildren(
        result,
        h('p', undefined, h('strong', { 'data-testid': 'try-rule' }, `Rule “${r.rule.name}” would answer`), r.text !== undefined ? ':' : '.'),
        r.text !== undefined ? h('blockquote', { class: 'message reply-text', 'data-testid': 'try-reply-text' }, r.text) : null,
        r.responder
          ? h(
              'p',
              { 'data-testid': 'try-responder' },
              `Its reply would come from ${r.responder.type === 'webhook' ? 'the web address' : 'the chat model'} ${r.responder.target} (not asked here).`,
            )
          : null,
        r.responder?.fallback !== undefined
          ? h('div', undefined, h('p', undefined, 'If it does not answer in time:'), h('blockquote', { class: 'message reply-text', 'data-testid': 'try-fallback-text' }, r.responder.fallback))
          : null,
        h('p', { class: 'hint' }, wait),
        notesList(r.notes),
        triedLine(),
      );
      return;
    }
    replaceChildren(
      result,
      h('p', undefined, h('strong', undefined, 'No reply: '), h('span', { 'data-testid': 'try-explanation' }, r.explanation)),
      h('p', { class: 'hint' }, 'Reason: ', h('span', { 'data-testid': 'try-reason', 'data-reason': r.reason }, REASON_WORDS[r.reason]), '.'),
      r.rules.length
        ? h(
            'ul',
            { class: 'try-misses', 'data-testid': 'try-misses', 'aria-label': 'Why each rule did not answer' },
            ...r.rules.map((m) => h('li', undefined, h('strong', undefined, m.name), ': ', m.why)),
          )
        : null,
      notesList(r.notes),
      triedLine(),
    );
  };

  const showError = (error: ApiError) => {
    result.dataset.outcome = 'invalid';
    replaceChildren(
      result,
      h('p', undefined, h('strong', undefined, error.message)),
      error.details?.length ? h('ul', { 'data-testid': 'try-errors' }, ...error.details.map((d) => h('li', undefined, d.message))) : null,
    );
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (kind.value !== 'missed-call' && !text.value.trim() && kind.value === 'text') {
      result.dataset.outcome = 'invalid';
      replaceChildren(result, 'Write a message to try first.');
      text.focus();
      return;
    }
    triedOn = !source.dirty() ? '' : edited.checked ? 'Tried on the rules as edited here (not saved yet).' : 'Tried on the saved rules (not your unsaved changes).';
    run.disabled = true;
    delete result.dataset.outcome;
    replaceChildren(result, 'Trying…');
    void ctx.run('tryRules', args(), true).then((r) => {
      run.disabled = false;
      if (r.ok) show(r.value);
      else showError(r.error);
    });
  });

  syncControls();
  return { element: form };
}
