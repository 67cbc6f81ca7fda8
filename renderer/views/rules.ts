/**
 * The rules editor. Rules travel as plain JSON (the core's auto-reply schema owns their shape and
 * validation); this screen shows a form for the common fields — name, on/off, match (greetings
 * and missed calls included), kinds of message, reply, schedule, contact scope, groups, cooldown,
 * "reply only if I don't" — keeps every other field of a rule as it was, and shows the core's
 * per-rule validation messages next to the field they are about and in a summary at the top.
 * Order matters (first match wins), so rules can be moved. Below the rules: "Try a message"
 * (try-rules.ts) and the rules file (rules-file.ts).
 */
import type { ApiError, MessageKind } from '../../main/contract/api.js';
import { DEFAULT_RULE_KINDS, KIND_WORDS, MESSAGE_KINDS } from '../../main/contract/conversation.js';
import { checkbox, field, h, nextId, options, replaceChildren } from '../lib/dom.js';
import { clone, getPath, isObject, parseRulePath, setPath, type Json } from '../lib/paths.js';
import type { View, ViewContext } from './context.js';
import { openAiFields, webhookFields, type FieldKit } from './responder-fields.js';
import { createRulesFileCard } from './rules-file.js';
import { loadSecrets } from './secrets.js';
import { createTryPanel } from './try-rules.js';

type Detail = NonNullable<ApiError['details']>[number];
type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const DAYS = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
] as const;

const MATCH_TYPES = [
  ['any', 'Any message'],
  ['exact', 'Is exactly this text'],
  ['keywords', 'Contains any of these words'],
  ['regex', 'Matches a pattern (regular expression)'],
  ['first-message', 'Is the first message from a contact'],
  ['greeting', 'Is the first from a contact, or the first after some days of silence (greeting)'],
  ['missed-call', 'Is a missed call'],
] as const;

/** WhatsApp Business greets a contact again after 14 days of silence; the core's default too. */
const DEFAULT_QUIET_DAYS = 14;

/** The placeholders a reply text can use (the core's template.ts), for the hints. */
export const PLACEHOLDERS = '{name}, {first_name}, {time}, {date}, {message} and {kind}';

const kindWord = (kind: MessageKind) => KIND_WORDS[kind].charAt(0).toUpperCase() + KIND_WORDS[kind].slice(1);

const REPLY_TYPES = [
  ['template', 'This text'],
  ['webhook', 'The answer of a web address (webhook)'],
  ['openai', 'The answer of a chat model (OpenAI-compatible server)'],
] as const;

const SCOPES = [
  ['everyone', 'Everyone'],
  ['only', 'Only these contacts'],
  ['except', 'Everyone except these contacts'],
] as const;

const GROUPS = [
  ['off', 'Never in groups'],
  ['mentioned', 'In groups, only when I am mentioned'],
  ['all', 'In all groups'],
] as const;

function newId(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID().slice(0, 8)
      : Math.random().toString(36).slice(2, 10);
  return `rule-${random}`;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() ? value : fallback;
}

/** The editable list of `text, text` → ['text', 'text'] (and back). */
const listOf = (value: string, separator: RegExp) =>
  value
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);

export function createRules(ctx: ViewContext): View {
  const list = h('div', { class: 'rules-list', 'data-testid': 'rules-list' });
  const errorList = h('ul');
  const errorHeading = h('h3', { tabindex: -1, id: 'rules-errors-heading' }, 'The rules were not saved');
  const errorBox = h(
    'div',
    { class: 'error-summary', role: 'alert', 'data-testid': 'rules-errors', 'aria-labelledby': 'rules-errors-heading', hidden: true },
    errorHeading,
    errorList,
  );
  const status = h('p', { class: 'count', role: 'status', 'data-testid': 'rules-status' });
  const add = h('button', { type: 'button', class: 'secondary', 'data-testid': 'rules-add' }, 'Add rule');
  const revert = h('button', { type: 'button', class: 'secondary', 'data-testid': 'rules-revert' }, 'Undo changes');
  const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'rules-save' }, 'Save rules');
  const empty = h(
    'p',
    { class: 'empty', 'data-testid': 'rules-empty' },
    'No rules yet. Without a rule Replyline answers nothing, even with auto-reply on.',
  );
  const form = h(
    'form',
    { class: 'rules-form', 'data-testid': 'rules-form', novalidate: true, 'aria-labelledby': 'rules-heading' },
    errorBox,
    list,
    empty,
    h('div', { class: 'form-actions' }, add, h('span', { class: 'spacer' }), status, revert, save),
  );
  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'rules-heading' },
    h('h2', { id: 'rules-heading' }, 'Auto-reply rules'),
    h(
      'p',
      { class: 'hint' },
      `Rules are checked from top to bottom; the first one that matches answers. Replies can use ${PLACEHOLDERS} (what the message is, in words: “voice message”, “photo”, “missed call”).`,
    ),
    form,
  );

  let saved: Json[] = [];
  let draft: Json[] = [];
  let errors: Detail[] = [];
  let loaded = false;

  const dirty = () => JSON.stringify(draft) !== JSON.stringify(saved);
  const updateStatus = (message?: string) => {
    const isDirty = dirty();
    revert.disabled = !isDirty;
    status.textContent = message ?? (isDirty ? 'Unsaved changes' : '');
  };

  // ---- Field builders ------------------------------------------------------------------------

  /** Bind a control to `path` in `rule`; edits write straight into the draft. */
  function bind<T extends Control>(
    control: T,
    rule: Json,
    path: string,
    read: (c: T) => unknown = (c) => c.value,
    write: (c: T, v: unknown) => void = (c, v) => (c.value = str(v)),
  ): T {
    control.dataset.field = path;
    write(control, getPath(rule, path));
    control.addEventListener(control instanceof HTMLSelectElement || control.type === 'checkbox' ? 'change' : 'input', () => {
      setPath(rule, path, read(control));
      clearFieldError(control);
      updateStatus();
    });
    return control;
  }

  const textInput = (rule: Json, path: string, attrs: Record<string, string | number> = {}) =>
    bind(h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }), rule, path);

  const select = (rule: Json, path: string, pairs: ReadonlyArray<readonly [string, string]>, onChange?: () => void) => {
    const el = bind(h('select', undefined, ...options(pairs)), rule, path);
    if (onChange) el.addEventListener('change', onChange);
    return el;
  };

  const check = (rule: Json, path: string, label: string, fallback: boolean) => {
    const { wrap, input } = checkbox(label, {});
    bind(
      input,
      rule,
      path,
      (c) => c.checked,
      (c, v) => (c.checked = typeof v === 'boolean' ? v : fallback),
    );
    return wrap;
  };

  /** Builders for the responder fields (responder-fields.ts), bound to `rule`. */
  function fieldKit(rule: Json): FieldKit {
    return {
      labelled: field,
      text: (path, attrs = {}) =>
        bind(h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }), rule, path, (c) =>
          c.value.trim() === '' ? undefined : c.value,
        ),
      area: (path, rows = 3) => bind(h('textarea', { rows }), rule, path),
      number: (path, { min, max, step = 'any', scale = 1, placeholder }) =>
        bind(
          h('input', { type: 'number', min, max, step, inputmode: 'decimal', ...(placeholder ? { placeholder } : {}) }),
          rule,
          path,
          (c) => (c.value.trim() === '' ? undefined : Math.round(Number(c.value) * scale * 1000) / 1000),
          (c, v) => (c.value = typeof v === 'number' ? String(Math.round((v / scale) * 1000) / 1000) : ''),
        ),
    };
  }

  function fieldset(legend: string, ...children: Array<HTMLElement | null>): HTMLFieldSetElement {
    return h('fieldset', undefined, h('legend', undefined, legend), ...children);
  }

  // ---- One rule ------------------------------------------------------------------------------

  function matchFields(rule: Json, index: number): HTMLElement[] {
    const match = isObject(rule.match) ? rule.match : (rule.match = { type: 'any' });
    const type = str(match.type);
    const typeSelect = select(rule, 'match.type', MATCH_TYPES, () => {
      const next: Json = { type: typeSelect.value };
      const textMatch = ['exact', 'keywords', 'regex'].includes(typeSelect.value);
      if (textMatch && typeof match.caseSensitive === 'boolean') next.caseSensitive = match.caseSensitive;
      if (typeSelect.value === 'exact') next.text = str(match.text) || str(match.pattern);
      if (typeSelect.value === 'regex') next.pattern = str(match.pattern);
      if (typeSelect.value === 'keywords') next.keywords = Array.isArray(match.keywords) ? match.keywords : [];
      if (typeSelect.value === 'greeting') next.quietDays = typeof match.quietDays === 'number' ? match.quietDays : DEFAULT_QUIET_DAYS;
      // A missed-call rule answers missed calls only: its kinds are implied.
      if (typeSelect.value === 'missed-call') delete rule.kinds;
      rule.match = next;
      rebuildCard(index, 'match.type');
    });
    const out: HTMLElement[] = [field('Kind of match', typeSelect)];
    if (type === 'exact') {
      out.push(field('Text', textInput(rule, 'match.text')));
      out.push(check(rule, 'match.caseSensitive', 'Upper and lower case must match', false));
    } else if (type === 'keywords') {
      const input = bind(
        h('input', { type: 'text', autocomplete: 'off' }),
        rule,
        'match.keywords',
        (c) => listOf(c.value, /,/),
        (c, v) => (c.value = Array.isArray(v) ? v.join(', ') : ''),
      );
      out.push(field('Words', input, 'Separate words with commas, for example: price, cost, how much'));
    } else if (type === 'regex') {
      out.push(field('Pattern', textInput(rule, 'match.pattern', { class: 'mono' }), 'For example: ^(hi|hello)\\b'));
      out.push(check(rule, 'match.caseSensitive', 'Upper and lower case must match', false));
    } else if (type === 'greeting') {
      const days = bind(
        h('input', { type: 'number', min: 1, max: 365, step: 1, inputmode: 'numeric', placeholder: String(DEFAULT_QUIET_DAYS) }),
        rule,
        'match.quietDays',
        (c) => (c.value.trim() === '' ? undefined : Number(c.value)),
        (c, v) => (c.value = typeof v === 'number' ? String(v) : ''),
      );
      out.push(
        field(
          'Greet again after this many days of silence',
          days,
          `The first message from someone new gets this reply, and so does the first after this many days without a message in that chat (WhatsApp Business uses ${DEFAULT_QUIET_DAYS}).`,
        ),
      );
    } else if (type === 'missed-call') {
      out.push(
        h(
          'p',
          { class: 'hint', 'data-testid': 'rule-missed-call-hint' },
          'Answers a call nobody picked up, with a message in that chat — at most once per caller within the quiet time below.',
        ),
      );
    }
    out.push(kindFields(rule, index));
    return out;
  }

  /** Which kinds of message the rule answers: all (but missed calls), or the ones ticked. */
  function kindFields(rule: Json, index: number): HTMLElement {
    const match = isObject(rule.match) ? rule.match : {};
    if (str(match.type) === 'missed-call') return h('span', { hidden: true });
    const chosen = Array.isArray(rule.kinds) ? (rule.kinds as string[]) : undefined;
    const mode = h(
      'select',
      { 'data-field': chosen ? 'kinds-mode' : 'kinds' },
      ...options(
        [
          ['all', 'Every kind of message (not missed calls)'],
          ['some', 'Only these kinds'],
        ],
        chosen ? 'some' : 'all',
      ),
    );
    mode.addEventListener('change', () => {
      if (mode.value === 'some') rule.kinds = [...DEFAULT_RULE_KINDS];
      else delete rule.kinds;
      rebuildCard(index, mode.value === 'some' ? 'kinds-mode' : 'kinds');
    });
    const out = h('div', { class: 'kinds' }, field('Kinds of message it answers', mode));
    if (!chosen) return out;
    const ticked = new Set(chosen);
    const boxes = MESSAGE_KINDS.map((kind) => {
      const { wrap, input } = checkbox(kindWord(kind), { checked: ticked.has(kind), value: kind, 'data-kind': kind });
      input.addEventListener('change', () => {
        if (input.checked) ticked.add(kind);
        else ticked.delete(kind);
        // Kept in the contract's order; none ticked is left for the core to refuse in words.
        rule.kinds = MESSAGE_KINDS.filter((k) => ticked.has(k));
        clearFieldError(group);
        updateStatus();
      });
      return wrap;
    });
    const group = h('fieldset', { class: 'days', 'data-field': 'kinds' }, h('legend', { class: 'sr-only' }, 'Kinds of message'), ...boxes);
    out.append(group);
    return out;
  }

  function replyFields(rule: Json, index: number): HTMLElement[] {
    const reply = isObject(rule.reply) ? rule.reply : (rule.reply = { type: 'template', text: '' });
    const type = str(reply.type);
    const typeSelect = select(rule, 'reply.type', REPLY_TYPES, () => {
      const previous = str(reply.text) || str(reply.fallback);
      const t = typeSelect.value;
      rule.reply =
        t === 'template'
          ? { type: t, text: previous }
          : t === 'webhook'
            ? { type: t, url: '', ...(previous ? { fallback: previous } : {}) }
            : { type: t, baseUrl: '', model: '', ...(previous ? { fallback: previous } : {}) };
      rebuildCard(index, 'reply.type');
    });
    const area = (path: string, rows = 3) => bind(h('textarea', { rows }), rule, path);
    const out: HTMLElement[] = [field('Reply with', typeSelect)];
    if (type === 'template') {
      out.push(field('Reply text', area('reply.text'), `Placeholders: ${PLACEHOLDERS}`));
    } else if (type === 'webhook') {
      out.push(...webhookFields(ctx, fieldKit(rule), rule));
    } else if (type === 'openai') {
      out.push(...openAiFields(ctx, fieldKit(rule), rule));
    }
    return out;
  }

  function scheduleFields(rule: Json, index: number): HTMLElement {
    const schedule = isObject(rule.schedule) ? rule.schedule : undefined;
    const toggle = checkbox('Only at certain times', { checked: schedule !== undefined });
    toggle.input.dataset.field = 'schedule';
    toggle.input.addEventListener('change', () => {
      rule.schedule = toggle.input.checked
        ? { mode: 'inside', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] }
        : undefined;
      if (!toggle.input.checked) delete rule.schedule;
      rebuildCard(index, 'schedule');
    });
    const set = fieldset('When', toggle.wrap);
    if (!schedule) return set;

    set.append(
      field(
        'The rule works',
        select(rule, 'schedule.mode', [
          ['inside', 'During these times'],
          ['outside', 'Outside these times (for example: away after work)'],
        ]),
      ),
    );
    const windows = Array.isArray(schedule.windows) ? (schedule.windows as unknown[]) : (schedule.windows = []);
    windows.forEach((w, k) => {
      const win = isObject(w) ? w : (windows[k] = { days: [], start: '09:00', end: '17:00' });
      const days = new Set(Array.isArray(win.days) ? (win.days as string[]) : []);
      const dayBoxes = DAYS.map(([value, label]) => {
        const { wrap, input } = checkbox(label, { checked: days.has(value), value });
        input.addEventListener('change', () => {
          if (input.checked) days.add(value);
          else days.delete(value);
          win.days = DAYS.map(([d]) => d).filter((d) => days.has(d));
          clearFieldError(dayGroup);
          updateStatus();
        });
        return wrap;
      });
      const dayGroup = h('fieldset', { class: 'days', 'data-field': `schedule.windows.${k}.days` }, h('legend', undefined, 'Days'), ...dayBoxes);
      const remove = h(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Remove time window ${k + 1}` },
        'Remove',
      );
      remove.addEventListener('click', () => {
        windows.splice(k, 1);
        rebuildCard(index, 'schedule');
      });
      const time = (path: string, label: string) =>
        field(label, textInput(rule, path, { inputmode: 'numeric', placeholder: '09:00', maxlength: 5, size: 5 }));
      set.append(
        h(
          'fieldset',
          { class: 'window', 'data-field': `schedule.windows.${k}` },
          h('legend', undefined, `Time window ${k + 1}`),
          dayGroup,
          h(
            'div',
            { class: 'row' },
            time(`schedule.windows.${k}.start`, 'From'),
            time(`schedule.windows.${k}.end`, 'Until'),
            windows.length > 1 ? remove : null,
          ),
        ),
      );
    });
    const addWindow = h('button', { type: 'button', class: 'link' }, 'Add time window');
    addWindow.addEventListener('click', () => {
      windows.push({ days: ['sat', 'sun'], start: '00:00', end: '24:00' });
      rebuildCard(index, 'schedule');
    });
    set.append(
      h('p', { class: 'hint' }, '24-hour times, like 09:00 or 17:30; 24:00 is the end of the day.'),
      addWindow,
      field(
        'Time zone (optional)',
        textInput(rule, 'schedule.timeZone', { placeholder: 'Europe/Berlin' }),
        "Leave empty to use this computer's time zone.",
      ),
    );
    return set;
  }

  function scopeFields(rule: Json, index: number): HTMLElement {
    const scope = isObject(rule.scope) ? rule.scope : (rule.scope = { mode: 'everyone' });
    const mode = select(rule, 'scope.mode', SCOPES, () => {
      rule.scope = mode.value === 'everyone' ? { mode: 'everyone' } : { mode: mode.value, contacts: Array.isArray(scope.contacts) ? scope.contacts : [] };
      rebuildCard(index, 'scope.mode');
    });
    const set = fieldset('Who', field('Answer', mode));
    if (str(scope.mode) === 'only' || str(scope.mode) === 'except') {
      const contacts = bind(
        h('textarea', { rows: 3, spellcheck: 'false' }),
        rule,
        'scope.contacts',
        (c) => listOf(c.value, /\n/),
        (c, v) => (c.value = Array.isArray(v) ? v.join('\n') : ''),
      );
      set.append(field('Contacts', contacts, 'One per line: a phone number with country code (+49 151 …) or a WhatsApp ID.'));
    }
    set.append(field('Groups', select(rule, 'groups', GROUPS)));
    return set;
  }

  function ruleCard(rule: Json, index: number): HTMLElement {
    const name = text(rule.name, `Rule ${index + 1}`);
    const headingId = nextId('rule');
    const nameInput = textInput(rule, 'name', { maxlength: 80 });
    nameInput.addEventListener('input', () => (heading.textContent = `${index + 1}. ${text(nameInput.value, 'Unnamed rule')}`));
    const heading = h('h3', { id: headingId, tabindex: -1 }, `${index + 1}. ${name}`);

    const up = h('button', { type: 'button', class: 'icon', 'data-testid': 'rule-up', 'aria-label': `Move “${name}” up`, disabled: index === 0 }, '↑');
    const down = h(
      'button',
      { type: 'button', class: 'icon', 'data-testid': 'rule-down', 'aria-label': `Move “${name}” down`, disabled: index === draft.length - 1 },
      '↓',
    );
    const remove = h('button', { type: 'button', class: 'link danger', 'data-testid': 'rule-delete', 'aria-label': `Delete “${name}”` }, 'Delete');
    up.addEventListener('click', () => move(index, -1));
    down.addEventListener('click', () => move(index, 1));
    remove.addEventListener('click', () => {
      draft.splice(index, 1);
      errors = [];
      renderAll();
      const next = list.querySelectorAll<HTMLElement>('[data-field="name"]')[Math.min(index, draft.length - 1)];
      (next ?? add).focus();
      updateStatus('Rule deleted (not saved yet)');
    });

    const cooldown = bind(
      h('input', { type: 'number', min: 0.5, max: 10080, step: 'any', inputmode: 'decimal' }),
      rule,
      'cooldownMs',
      (c) => (c.value.trim() === '' ? undefined : Math.round(Number(c.value) * 60_000)),
      (c, v) => (c.value = typeof v === 'number' ? String(Math.round((v / 60_000) * 100) / 100) : ''),
    );

    const grace = bind(
      h('input', { type: 'number', min: 0, max: 1440, step: 'any', inputmode: 'decimal', placeholder: '0' }),
      rule,
      'graceMs',
      (c) => (c.value.trim() === '' ? undefined : Math.round(Number(c.value) * 60_000)),
      (c, v) => (c.value = typeof v === 'number' ? String(Math.round((v / 60_000) * 100) / 100) : ''),
    );

    return h(
      'article',
      { class: 'card rule', 'data-testid': 'rule-card', 'data-index': index, 'data-rule-id': str(rule.id), 'aria-labelledby': headingId },
      h('div', { class: 'rule-head' }, heading, h('span', { class: 'spacer' }), up, down, remove),
      h('div', { class: 'card-errors', 'data-testid': 'rule-card-errors' }),
      h('div', { class: 'row' }, field('Name', nameInput), check(rule, 'enabled', 'Rule is on', true)),
      h(
        'div',
        { class: 'rule-grid' },
        fieldset('When a message', ...matchFields(rule, index)),
        fieldset('Reply', ...replyFields(rule, index)),
        scheduleFields(rule, index),
        scopeFields(rule, index),
      ),
      h(
        'div',
        { class: 'row top' },
        field('Quiet time per chat after a reply (minutes)', cooldown, 'Stops reply loops with other bots. Empty: the default (10 minutes).'),
        field(
          'Reply only if I don’t answer within (minutes)',
          grace,
          'The reply waits this long; if you answer in that chat, or read it on your phone or WhatsApp Web, meanwhile, it is not sent. 0 or empty: reply at once. At most 24 hours (1440).',
        ),
      ),
    );
  }

  // ---- Rendering, errors ---------------------------------------------------------------------

  function rebuildCard(index: number, focusField?: string): void {
    const old = list.querySelector(`[data-testid="rule-card"][data-index="${index}"]`);
    const rule = draft[index];
    if (!old || !rule) return;
    const card = ruleCard(rule, index);
    old.replaceWith(card);
    showErrorsIn(card, index);
    if (focusField) card.querySelector<HTMLElement>(`[data-field="${focusField}"]`)?.focus();
    updateStatus();
  }

  function move(index: number, by: -1 | 1): void {
    const to = index + by;
    if (to < 0 || to >= draft.length) return;
    [draft[index], draft[to]] = [draft[to]!, draft[index]!];
    errors = [];
    renderAll();
    // Keep focus on the same button in the rule's new place (or its heading at the end of the list).
    const target =
      list.querySelector<HTMLElement>(`[data-index="${to}"] [data-testid="${by < 0 ? 'rule-up' : 'rule-down'}"]:not([disabled])`) ??
      list.querySelector<HTMLElement>(`[data-index="${to}"] h3`);
    target?.focus();
    updateStatus();
  }

  function clearFieldError(control: HTMLElement): void {
    if (control.getAttribute('aria-invalid') !== 'true') return;
    control.removeAttribute('aria-invalid');
    const ids = (control.getAttribute('aria-describedby') ?? '').split(' ');
    for (const id of ids) {
      const el = document.getElementById(id);
      if (el?.classList.contains('field-error')) el.remove();
    }
    control.setAttribute('aria-describedby', ids.filter((id) => document.getElementById(id)).join(' '));
  }

  /** The control an error path points at: the longest `data-field` that prefixes it. */
  function controlFor(card: Element, field: string): HTMLElement | undefined {
    let best: HTMLElement | undefined;
    for (const el of card.querySelectorAll<HTMLElement>('[data-field]')) {
      const f = el.dataset.field!;
      if ((field === f || field.startsWith(`${f}.`)) && f.length > (best?.dataset.field?.length ?? -1)) best = el;
    }
    return best;
  }

  function showErrorsIn(card: Element, index: number): void {
    const cardErrors = card.querySelector('[data-testid="rule-card-errors"]')!;
    for (const detail of errors) {
      const { index: i, field } = parseRulePath(detail.path);
      if (i !== index) continue;
      const message = h('p', { class: 'field-error', id: nextId('err'), 'data-testid': 'rule-error', 'data-path': detail.path }, detail.message);
      const control = field ? controlFor(card, field) : undefined;
      if (!control) {
        cardErrors.append(message);
        continue;
      }
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${message.id}`.trim());
      const anchor = control.closest('.field, .check') ?? control;
      if (control instanceof HTMLFieldSetElement) control.append(message);
      else anchor.after(message);
    }
  }

  function renderSummary(): void {
    errorBox.hidden = errors.length === 0;
    replaceChildren(
      errorList,
      ...errors.map((detail) => {
        const { index, field } = parseRulePath(detail.path);
        const target = () => {
          const card = index !== undefined ? list.querySelector(`[data-index="${index}"]`) : null;
          if (!card) return undefined;
          const control = field ? controlFor(card, field) : undefined;
          return control instanceof HTMLFieldSetElement
            ? (control.querySelector<HTMLElement>('input, select, textarea') ?? undefined)
            : (control ?? card.querySelector<HTMLElement>('h3') ?? undefined);
        };
        const go = h('button', { type: 'button', class: 'link', 'data-testid': 'rules-error-link' }, detail.message);
        go.addEventListener('click', () => target()?.focus());
        return h('li', undefined, target() ? go : detail.message);
      }),
    );
  }

  function renderAll(): void {
    replaceChildren(list, ...draft.map((rule, i) => ruleCard(rule, i)));
    list.querySelectorAll('[data-testid="rule-card"]').forEach((card, i) => showErrorsIn(card, i));
    empty.hidden = draft.length > 0;
    renderSummary();
    updateStatus();
  }

  // ---- Loading, saving -----------------------------------------------------------------------

  const adopt = (rules: unknown[]) => {
    saved = rules.filter(isObject).map((r) => clone(r));
    draft = clone(saved);
    errors = [];
    renderAll();
  };

  const load = async () => {
    void loadSecrets(ctx);
    if (loaded && dirty()) return;
    const r = await ctx.run('getRules');
    if (!r.ok) return;
    loaded = true;
    adopt(r.value.rules);
  };

  add.addEventListener('click', () => {
    draft.push({
      id: newId(),
      name: draft.length === 0 ? 'Away' : 'New rule',
      enabled: true,
      match: { type: 'any' },
      reply: { type: 'template', text: '' },
      scope: { mode: 'everyone' },
      groups: 'off',
    });
    renderAll();
    // Focus the new rule's name, selected, so typing replaces the placeholder name.
    const name = list.querySelectorAll<HTMLInputElement>('input[data-field="name"]')[draft.length - 1];
    name?.focus();
    name?.select();
  });

  revert.addEventListener('click', () => {
    draft = clone(saved);
    errors = [];
    renderAll();
    updateStatus('Changes undone');
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save.disabled = true;
    status.textContent = 'Saving…';
    void ctx.run('setRules', { rules: draft }, true).then((r) => {
      save.disabled = false;
      if (r.ok) {
        adopt(r.value.rules);
        updateStatus(`Saved ${draft.length} rule${draft.length === 1 ? '' : 's'}.`);
        return;
      }
      errors = r.error.details?.length ? r.error.details : [{ path: '', message: r.error.message }];
      errorHeading.textContent = r.error.details?.length ? r.error.message || 'The rules were not saved' : 'The rules were not saved';
      renderAll();
      updateStatus('Not saved — see the problems above.');
      errorHeading.focus();
    });
  });

  root.append(
    createTryPanel(ctx, { draft: () => draft, dirty }).element,
    createRulesFileCard(ctx, {
      dirty,
      imported: (rules) => {
        loaded = true;
        adopt(rules);
        updateStatus(`Imported; ${draft.length} rule${draft.length === 1 ? '' : 's'} saved.`);
      },
    }).element,
  );

  renderAll();
  return { element: root, onShow: () => void load(), resync: () => void load() };
}
