/**
 * Settings: catch-up window, reply time-to-live, rate limits, the pause after you write in a chat
 * yourself, typing indicator, start at login, notifications, close to the tray, how long chats are
 * remembered for AI replies (each takes effect when saved); the keys and secrets responders use
 * and the remembered chats (their own cards); plus what this installation is (version, data
 * folder, how the session is kept).
 * Only changed values are sent; the core validates and answers with the full settings.
 */
import type { Settings } from '../../main/contract/api.js';
import { SETTINGS_BOUNDS } from '../../main/contract/bounds.js';
import { checkbox, field, h } from '../lib/dom.js';
import type { AppState } from '../lib/store.js';
import type { View, ViewContext } from './context.js';
import { createChatMemoryCard } from './chat-memory.js';
import { createSecretsCard } from './secrets.js';

type NumberKey =
  | 'catchUpWindowMinutes'
  | 'replyTtlMinutes'
  | 'maxRepliesPerMinute'
  | 'maxRepliesPerChatPerHour'
  | 'takeoverPauseMinutes'
  | 'chatMemoryDays';
type BoolKey = 'typingIndicator' | 'startAtLogin' | 'notifications' | 'closeToTray';

const NUMBERS: Array<{ key: NumberKey; label: string; hint: string; min: number; max: number }> = [
  {
    key: 'catchUpWindowMinutes',
    label: 'Catch-up window (minutes)',
    hint: 'Messages that arrive from offline sync and are older than this are not answered on their own; they go to “Missed while offline”.',
    ...SETTINGS_BOUNDS.catchUpWindowMinutes,
  },
  {
    key: 'replyTtlMinutes',
    label: 'Give up on a reply after (minutes)',
    hint: 'A reply still waiting for the connection after this long is marked expired instead of being sent late.',
    ...SETTINGS_BOUNDS.replyTtlMinutes,
  },
  {
    key: 'maxRepliesPerMinute',
    label: 'Auto-replies per minute, all chats',
    hint: 'Loop protection: past this, further messages get no auto-reply until the minute has passed.',
    ...SETTINGS_BOUNDS.maxRepliesPerMinute,
  },
  {
    key: 'maxRepliesPerChatPerHour',
    label: 'Auto-replies per chat per hour',
    hint: 'Loop protection against another bot: counted over all rules in one chat.',
    ...SETTINGS_BOUNDS.maxRepliesPerChatPerHour,
  },
  {
    key: 'takeoverPauseMinutes',
    label: 'After I write in a chat myself, stay quiet there for (minutes)',
    hint: 'When you answer from your phone or WhatsApp Web, auto-replies in that chat pause this long, and a reply still waiting there is cancelled. 0: no pause.',
    ...SETTINGS_BOUNDS.takeoverPauseMinutes,
  },
  {
    key: 'chatMemoryDays',
    label: 'Remember chats for AI replies (days)',
    hint: 'How long the last messages of a chat are kept for an AI rule that uses earlier messages. 0 keeps none.',
    ...SETTINGS_BOUNDS.chatMemoryDays,
  },
];

const BOOLS: Array<{ key: BoolKey; label: string }> = [
  { key: 'typingIndicator', label: 'Show “typing…” before a reply' },
  { key: 'startAtLogin', label: 'Start Replyline when I log in' },
  { key: 'notifications', label: 'Notify me when the connection needs me or a reply fails' },
  { key: 'closeToTray', label: 'Keep running in the tray when I close the window' },
];

export function createSettings(ctx: ViewContext): View {
  const numberInputs = new Map<NumberKey, HTMLInputElement>();
  const boolInputs = new Map<BoolKey, HTMLInputElement>();
  const errorOf = new Map<NumberKey, HTMLParagraphElement>();

  const numberFields = NUMBERS.map(({ key, label, hint, min, max }) => {
    const input = h('input', {
      type: 'number',
      min,
      max,
      step: 1,
      inputmode: 'numeric',
      required: true,
      name: key,
      'data-testid': `setting-${key}`,
    });
    numberInputs.set(key, input);
    const wrap = field(label, input, hint);
    const error = h('p', { class: 'field-error', id: `${key}-error`, hidden: true });
    errorOf.set(key, error);
    wrap.append(error);
    // An empty error says nothing; once filled, it is read with the field.
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${error.id}`.trim());
    return wrap;
  });
  const boolFields = BOOLS.map(({ key, label }) => {
    const { wrap, input } = checkbox(label, { name: key, 'data-testid': `setting-${key}` });
    boolInputs.set(key, input);
    return wrap;
  });

  const status = h('p', { class: 'count', role: 'status', 'data-testid': 'settings-status' });
  const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'settings-save' }, 'Save settings');
  const form = h(
    'form',
    { class: 'settings-form', 'data-testid': 'settings-form', novalidate: true, 'aria-labelledby': 'settings-heading' },
    h('fieldset', undefined, h('legend', undefined, 'Replies'), ...numberFields, boolFields[0]!),
    h('fieldset', undefined, h('legend', undefined, 'This computer'), ...boolFields.slice(1)),
    h('div', { class: 'form-actions' }, h('span', { class: 'spacer' }), status, save),
  );

  const version = h('dd', { 'data-testid': 'about-version' });
  const dataDir = h('dd', { class: 'mono', 'data-testid': 'about-data-dir' });
  const protection = h('dd', { 'data-testid': 'about-protection' });
  const secrets = createSecretsCard(ctx);
  const chatMemory = createChatMemoryCard(ctx);
  const root = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'settings-heading' },
    h('h2', { id: 'settings-heading' }, 'Settings'),
    form,
    secrets.element,
    chatMemory.element,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'about-heading' },
      h('h3', { id: 'about-heading' }, 'About this installation'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', undefined, 'Version'),
        version,
        h('dt', undefined, 'Data folder'),
        dataDir,
        h('dt', undefined, 'Session keys'),
        protection,
      ),
    ),
  );

  let dirty = false;
  form.addEventListener('input', () => {
    dirty = true;
    status.textContent = 'Unsaved changes';
  });

  const fill = (s: Settings) => {
    for (const [key, input] of numberInputs) input.value = String(s[key]);
    for (const [key, input] of boolInputs) input.checked = s[key];
    dirty = false;
  };

  const showError = (key: NumberKey, message?: string) => {
    const input = numberInputs.get(key)!;
    const error = errorOf.get(key)!;
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = ctx.store.get().settings;
    const patch: Partial<Settings> = {};
    let firstBad: HTMLInputElement | undefined;
    for (const { key, label, min, max } of NUMBERS) {
      const input = numberInputs.get(key)!;
      const value = Number(input.value);
      if (input.value.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
        showError(key, `${label.replace(/ \(.*\)$/, '')}: enter a whole number from ${min} to ${max}.`);
        firstBad ??= input;
        continue;
      }
      showError(key);
      if (!current || current[key] !== value) patch[key] = value;
    }
    for (const [key, input] of boolInputs) if (!current || current[key] !== input.checked) patch[key] = input.checked;
    if (firstBad) {
      status.textContent = 'Not saved — check the highlighted fields.';
      firstBad.focus();
      return;
    }
    if (Object.keys(patch).length === 0) {
      status.textContent = 'Nothing to save.';
      return;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    void ctx.run('updateSettings', patch, true).then((r) => {
      save.disabled = false;
      if (r.ok) {
        ctx.store.set({ settings: r.value });
        fill(r.value);
        status.textContent = 'Settings saved.';
      } else {
        const details = r.error.details?.map((d) => d.message).join(' ') ?? '';
        status.textContent = `Not saved: ${r.error.message}${details ? ` ${details}` : ''}`;
      }
    });
  });

  let lastSettings: Settings | undefined;
  const render = (s: AppState) => {
    version.textContent = s.version || '—';
    dataDir.textContent = s.dataDir || '—';
    protection.textContent =
      s.encryption === 'os-keychain'
        ? 'Encrypted with your system keychain'
        : s.encryption === 'key-file'
          ? 'Encrypted with the key file given to headless mode (--key-file)'
          : s.encryption === 'test'
            ? 'Test key (development build)'
            : s.encryption === 'none'
              ? 'Stored without encryption — start headless mode with --key-file to encrypt it'
              : 'Stored without OS encryption — your system offers no keychain';
    if (s.settings && s.settings !== lastSettings) {
      lastSettings = s.settings;
      if (!dirty) fill(s.settings);
    }
  };
  ctx.store.subscribe(render);
  render(ctx.store.get());

  return {
    element: root,
    onShow: () => {
      secrets.onShow();
      chatMemory.onShow();
      if (dirty) return;
      void ctx.run('getSettings').then((r) => {
        if (r.ok) ctx.store.set({ settings: r.value });
      });
    },
  };
}
