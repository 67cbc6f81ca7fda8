/**
 * The rules editor's fields for a webhook or AI responder — every field the core's schema has —
 * and the "Test" panel that asks the responder about an editable sample message (nothing is sent
 * to WhatsApp) and shows its reply or the plain error, and the time it took.
 */
import { h, nextId, replaceChildren } from '../lib/dom.js';
import { clone, getPath, type Json } from '../lib/paths.js';
import type { ViewContext } from './context.js';
import { loadSecrets, secretEntry } from './secrets.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Field builders bound to one rule (from the rules editor). */
export interface FieldKit {
  labelled(label: string, control: Control, hint?: string): HTMLElement;
  /** A text input; an empty one removes the field (the default applies). */
  text(path: string, attrs?: Record<string, string | number>): HTMLInputElement;
  area(path: string, rows?: number): HTMLTextAreaElement;
  /** A number input shown in `scale` units (e.g. seconds for a value kept in ms); empty removes it. */
  number(path: string, opts: { min: number; max: number; step?: number | 'any'; scale?: number; placeholder?: string }): HTMLInputElement;
}

export const DEFAULT_SAMPLE = 'Hi! Are you open today?';

/** The secret's name, with its state and a password field right there. */
function secretField(ctx: ViewContext, kit: FieldKit, rule: Json, path: string, label: string, hint: string): HTMLElement {
  const listId = nextId('secrets');
  const names = h('datalist', { id: listId });
  const input = kit.text(path, { list: listId, maxlength: 200, placeholder: 'for example: openai' });
  const slot = h('div', { class: 'secret-slot', 'data-testid': 'rule-secret' });
  const show = () => {
    const name = String(getPath(rule, path) ?? '').trim();
    replaceChildren(slot, name ? secretEntry(ctx, name) : null);
  };
  const fillNames = () => replaceChildren(names, ...(ctx.store.get().secrets?.secrets ?? []).map((s) => h('option', { value: s.name })));
  input.addEventListener('change', show);
  input.addEventListener('focus', fillNames);
  show();
  fillNames();
  return h('div', undefined, kit.labelled(label, input, hint), names, slot);
}

const seconds = { min: 0.1, max: 120, step: 'any' as const, scale: 1000 };

export function webhookFields(ctx: ViewContext, kit: FieldKit, rule: Json): HTMLElement[] {
  return [
    kit.labelled('Web address', kit.text('reply.url', { type: 'url', placeholder: 'https://…' })),
    secretField(ctx, kit, rule, 'reply.secretRef', 'Signing secret (optional)', 'Each call is signed with this secret (X-Replyline-Signature); the secret itself is never sent.'),
    kit.labelled('Wait for an answer at most (seconds)', kit.number('reply.timeoutMs', { ...seconds, placeholder: '15' })),
    kit.labelled('Text if it does not answer (optional)', kit.area('reply.fallback', 2)),
    testPanel(ctx, rule),
  ];
}

export function openAiFields(ctx: ViewContext, kit: FieldKit, rule: Json): HTMLElement[] {
  return [
    kit.labelled(
      'Server address',
      kit.text('reply.baseUrl', { type: 'url', placeholder: 'https://api.openai.com/v1' }),
      'OpenAI, OpenRouter, Groq, or a local Ollama (http://127.0.0.1:11434/v1), LM Studio or vLLM.',
    ),
    kit.labelled('Model', kit.text('reply.model', { placeholder: 'gpt-4o-mini' })),
    secretField(ctx, kit, rule, 'reply.apiKeyRef', 'API key (optional for a local server)', 'The name the key is kept under.'),
    kit.labelled('Instructions for the model', kit.area('reply.systemPrompt', 3), 'May use {name}, {first_name}, {time}, {date}.'),
    h(
      'div',
      { class: 'row' },
      kit.labelled('Temperature', kit.number('reply.temperature', { min: 0, max: 2, step: 0.1, placeholder: 'server default' })),
      kit.labelled('Longest reply (tokens)', kit.number('reply.maxTokens', { min: 1, max: 32_000, step: 1, placeholder: 'server default' })),
    ),
    h(
      'div',
      { class: 'row' },
      kit.labelled('Earlier messages sent along', kit.number('reply.contextTurns', { min: 0, max: 50, step: 1, placeholder: '10' }), '0 sends only the new message.'),
      kit.labelled('…at most (characters)', kit.number('reply.contextChars', { min: 0, max: 100_000, step: 100, placeholder: '6000' }), 'About 4 characters make a token.'),
    ),
    kit.labelled('Wait for an answer at most (seconds)', kit.number('reply.timeoutMs', { ...seconds, placeholder: '45' })),
    kit.labelled('Text if it does not answer (optional)', kit.area('reply.fallback', 2)),
    testPanel(ctx, rule),
  ];
}

function secondsText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "Test": the responder as it is in the editor now (saved or not), asked about a sample message. */
function testPanel(ctx: ViewContext, rule: Json): HTMLElement {
  const sample = h('textarea', { rows: 2, maxlength: 4096, 'data-testid': 'responder-test-message' }, DEFAULT_SAMPLE);
  sample.value = DEFAULT_SAMPLE;
  sample.id = nextId('sample');
  const run = h('button', { type: 'button', class: 'secondary', 'data-testid': 'responder-test-run' }, 'Test');
  const result = h('div', { class: 'responder-test-result', role: 'status', 'data-testid': 'responder-test-result' });
  run.addEventListener('click', () => {
    const message = sample.value.trim();
    if (!message) {
      replaceChildren(result, 'Write a sample message first.');
      return sample.focus();
    }
    run.disabled = true;
    delete result.dataset.outcome;
    replaceChildren(result, 'Asking…');
    void ctx.run('testResponder', { reply: clone(rule.reply as Json), message }, true).then((r) => {
      run.disabled = false;
      if (!r.ok) {
        result.dataset.outcome = 'invalid';
        const details = r.error.details?.map((d) => d.message) ?? [];
        replaceChildren(result, r.error.message, ...details.map((d) => h('span', { class: 'block' }, d)));
        return;
      }
      const v = r.value;
      result.dataset.outcome = v.outcome;
      if (v.outcome === 'reply') {
        replaceChildren(result, h('strong', undefined, `Reply in ${secondsText(v.ms)}:`), h('blockquote', { class: 'message' }, v.text));
      } else if (v.outcome === 'fallback') {
        replaceChildren(
          result,
          h('strong', undefined, `No answer in ${secondsText(v.ms)}: `),
          v.error,
          h('span', { class: 'block' }, 'The fallback text would be sent:'),
          h('blockquote', { class: 'message' }, v.text),
        );
      } else {
        replaceChildren(result, h('strong', undefined, `No reply (${secondsText(v.ms)}): `), v.error);
      }
      // A key entered since is reflected next to the field.
      void loadSecrets(ctx);
    });
  });
  return h(
    'fieldset',
    { class: 'responder-test', 'data-testid': 'responder-test' },
    h('legend', undefined, 'Try it'),
    h('label', { for: sample.id }, 'Sample message'),
    sample,
    h('p', { class: 'hint' }, 'Sends this message to the responder and shows what it answers. Nothing is sent on WhatsApp.'),
    run,
    result,
  );
}
