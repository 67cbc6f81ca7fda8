/**
 * Rules as a JSON file (rules editor): Export saves the saved rules through the browser's
 * download; Import reads a file the person picks and sends its text to the core, which checks
 * every rule and takes all or nothing, replacing the rules or adding them after the saved ones.
 * A refused file shows each problem, per rule, in the core's words.
 */
import type { ApiError } from '../../main/contract/api.js';
import { MAX_RULES_FILE_BYTES, rulesFileBytes } from '../../main/contract/bounds.js';
import { field, h, nextId, replaceChildren } from '../lib/dom.js';
import { downloadText } from '../lib/download.js';
import type { ViewContext } from './context.js';


export interface RulesFileHooks {
  /** Unsaved changes in the editor (an import replaces them). */
  dirty(): boolean;
  /** The core saved these rules from a file. */
  imported(rules: unknown[], mode: 'replace' | 'append'): void;
}

export function createRulesFileCard(ctx: ViewContext, hooks: RulesFileHooks): { element: HTMLElement } {
  const exportButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'rules-export' }, 'Export rules');
  const file = h('input', { type: 'file', accept: '.json,application/json', 'data-testid': 'rules-import-file', id: nextId('rules-file') });
  const modeName = nextId('import-mode');
  const replace = h('input', { type: 'radio', name: modeName, value: 'replace', checked: true, 'data-testid': 'rules-import-replace' });
  const append = h('input', { type: 'radio', name: modeName, value: 'append', 'data-testid': 'rules-import-append' });
  const importButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'rules-import' }, 'Import');
  const dirtyNote = h('p', { class: 'hint warn-text', 'data-testid': 'rules-import-dirty', hidden: true }, 'You have unsaved changes in the rules above; importing discards them.');
  const status = h('p', { class: 'count', role: 'status', 'data-testid': 'rules-import-status' });
  const errorHeading = h('h4', { tabindex: -1 });
  const errorList = h('ul');
  const errors = h('div', { class: 'error-summary', role: 'alert', 'data-testid': 'rules-import-errors', hidden: true }, errorHeading, errorList);

  const headingId = nextId('rules-file');
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'rules-file', 'aria-labelledby': headingId, novalidate: true },
    h('div', { class: 'screen-head' }, h('h3', { id: headingId }, 'Rules file'), exportButton),
    h(
      'p',
      { class: 'hint' },
      'Save your rules as a JSON file, or load rules from one (written by Replyline or by hand). Keys and secrets are never in the file, only their names.',
    ),
    field('Import rules from a file', file),
    h(
      'fieldset',
      { class: 'inline' },
      h('legend', undefined, 'The rules in the file'),
      h('label', { class: 'check' }, replace, h('span', undefined, 'Replace my rules')),
      h('label', { class: 'check' }, append, h('span', undefined, 'Add them after my rules')),
    ),
    dirtyNote,
    errors,
    h('div', { class: 'form-actions' }, importButton, status),
  );

  const showErrors = (title: string, details: NonNullable<ApiError['details']>) => {
    errorHeading.textContent = title;
    replaceChildren(errorList, ...details.map((d) => h('li', { 'data-testid': 'rules-import-error' }, d.message)));
    errorList.hidden = details.length === 0;
    errors.hidden = false;
    errorHeading.focus();
  };

  exportButton.addEventListener('click', () => {
    exportButton.disabled = true;
    void ctx.run('exportRules').then((r) => {
      exportButton.disabled = false;
      if (!r.ok) return;
      downloadText(r.value.fileName, r.value.json, 'application/json');
      ctx.notify.info('Rules exported.');
    });
  });

  const refreshDirty = () => (dirtyNote.hidden = !(hooks.dirty() && mode() === 'replace'));
  const mode = () => (append.checked ? 'append' : 'replace');
  file.addEventListener('change', () => {
    errors.hidden = true;
    status.textContent = '';
    refreshDirty();
  });
  replace.addEventListener('change', refreshDirty);
  append.addEventListener('change', refreshDirty);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.hidden = true;
    const chosen = file.files?.[0];
    if (!chosen) {
      status.textContent = 'Choose a file first.';
      file.focus();
      return;
    }
    // The limit counts the text as it travels: its quotes and escapes only add to the file's bytes
    // (a byte-order mark of 3 bytes aside), so a larger file cannot fit.
    if (chosen.size > MAX_RULES_FILE_BYTES + 1) {
      showErrors('The file could not be imported.', [{ path: '', message: 'The file is too large to be a rules file.' }]);
      return;
    }
    importButton.disabled = true;
    status.textContent = 'Importing…';
    void chosen
      .text()
      .then(async (json) => {
        if (rulesFileBytes(json) > MAX_RULES_FILE_BYTES) {
          showErrors('The file could not be imported.', [{ path: '', message: 'The file is too large to be a rules file.' }]);
          status.textContent = 'Nothing was imported.';
          return;
        }
        if (!json.trim()) {
          showErrors('The file could not be imported.', [{ path: '', message: 'The file is empty.' }]);
          status.textContent = 'Nothing was imported.';
          return;
        }
        const how = mode();
        const r = await ctx.run('importRules', { json, mode: how }, true);
        if (!r.ok) {
          showErrors(r.error.message, r.error.details ?? []);
          status.textContent = 'Nothing was imported.';
          return;
        }
        hooks.imported(r.value.rules, how);
        file.value = '';
        refreshDirty();
        status.textContent = `Imported. You now have ${r.value.rules.length} rule${r.value.rules.length === 1 ? '' : 's'}.`;
      })
      .catch(() => {
        showErrors('The file could not be read.', [{ path: '', message: 'The file could not be read from the disk.' }]);
        status.textContent = 'Nothing was imported.';
      })
      .finally(() => (importButton.disabled = false));
  });

  return { element: form };
}
