/**
 * Keys and secrets (API keys, webhook secrets). A value goes in through a password field and is
 * never shown again: the window only ever learns "set" or "not set" and where a value comes from.
 * The Settings screen lists every name (those rules use, those stored, those headless mode got
 * from its environment or secrets file); the rules editor shows the same entry next to a
 * responder's secret, so a key can be entered where it is needed.
 */
import type { SecretsView, SecretView } from '../../main/contract/api.js';
import { field, h, nextId, replaceChildren } from '../lib/dom.js';
import type { ViewContext } from './context.js';

const SOURCE_WORDS: Record<SecretView['source'], string> = {
  stored: 'kept encrypted by Replyline',
  environment: 'from the environment (headless mode)',
  file: 'from the secrets file (headless mode)',
  none: '',
};

/** Read the list again and share it (the rules editor shows the same state). */
export async function loadSecrets(ctx: ViewContext): Promise<SecretsView | undefined> {
  const r = await ctx.run('listSecrets', undefined, true);
  if (!r.ok) return undefined;
  ctx.store.set({ secrets: r.value });
  return r.value;
}

/**
 * One secret: its state, and (where this installation can keep secrets) a password field to set
 * or replace it, and Remove for a stored one.
 */
export function secretEntry(ctx: ViewContext, name: string): HTMLElement {
  const status = h('span', { class: 'badge', 'data-testid': 'secret-status' });
  const where = h('span', { class: 'hint' });
  const input = h('input', {
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': `Value of “${name}”`,
    'data-testid': 'secret-input',
  });
  const save = h('button', { type: 'button', class: 'secondary', 'data-testid': 'secret-save' }, 'Save');
  const remove = h('button', { type: 'button', class: 'link danger', 'data-testid': 'secret-remove' }, 'Remove');
  const message = h('p', { class: 'hint', role: 'status', 'data-testid': 'secret-message' });
  const editor = h('span', { class: 'secret-editor' }, input, save);
  const root = h(
    'div',
    { class: 'secret-entry', 'data-testid': 'secret-entry', 'data-secret': name },
    h('span', { class: 'secret-name mono' }, name),
    status,
    where,
    editor,
    remove,
    message,
  );

  const render = (view: SecretsView | undefined) => {
    const s = view?.secrets.find((x) => x.name === name) ?? { name, set: false, source: 'none' as const, usedBy: [] };
    status.textContent = s.set ? 'Set' : 'Not set';
    status.dataset.state = s.set ? 'set' : 'not-set';
    status.className = `badge ${s.set ? 'status-sent' : 'status-failed'}`;
    const storedUnused = s.overridden?.includes('stored') === true;
    where.textContent = SOURCE_WORDS[s.source] + (storedUnused ? '; the value entered here is not used' : '');
    const editable = view?.canStore === true && (s.source === 'stored' || s.source === 'none');
    editor.hidden = !editable;
    // A stored value the environment or the secrets file overrides can still be removed.
    remove.hidden = !(view?.canStore === true && (s.source === 'stored' || storedUnused));
    save.textContent = s.set ? 'Replace' : 'Save';
    input.placeholder = s.set ? 'Enter a new value to replace it' : 'Paste the key or secret';
  };

  save.addEventListener('click', () => {
    const value = input.value.trim();
    if (!value) {
      message.textContent = 'Enter the value first.';
      input.focus();
      return;
    }
    save.disabled = true;
    message.textContent = 'Saving…';
    void ctx.run('setSecret', { name, value }, true).then(async (r) => {
      save.disabled = false;
      // The value leaves the page either way: it is never shown again.
      input.value = '';
      message.textContent = r.ok ? `“${name}” is set.` : r.error.message;
      await loadSecrets(ctx);
    });
  });
  remove.addEventListener('click', () => {
    remove.disabled = true;
    void ctx.run('removeSecret', { name }, true).then(async (r) => {
      remove.disabled = false;
      message.textContent = r.ok ? `“${name}” was removed.` : r.error.message;
      await loadSecrets(ctx);
    });
  });

  render(ctx.store.get().secrets);
  // Entries are rebuilt with their card; one that left the page stops listening.
  const off = ctx.store.subscribe((s, prev) => {
    if (!root.isConnected) return void off();
    if (s.secrets !== prev.secrets) render(s.secrets);
  });
  return root;
}

/** The Settings card: every secret, and a way to add one by name. */
export function createSecretsCard(ctx: ViewContext): { element: HTMLElement; onShow(): void } {
  const list = h('div', { class: 'secret-list', 'data-testid': 'secret-list' });
  const note = h('p', { class: 'notice', 'data-testid': 'secrets-note', hidden: true });
  const empty = h('p', { class: 'empty' }, 'No keys or secrets yet. A rule that asks a webhook or an AI server names the one it uses.');
  const newName = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 200, 'data-testid': 'secret-new-name' });
  const add = h('button', { type: 'button', class: 'secondary', 'data-testid': 'secret-add' }, 'Add');
  const adder = h('div', { class: 'row' }, field('New secret name', newName, 'For example: openai, webhook-shop'), add);
  const headingId = nextId('secrets');
  const intro = h('p', { class: 'hint', 'data-testid': 'secrets-intro' });
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': headingId, 'data-testid': 'secrets-card' },
    h('h3', { id: headingId }, 'Keys and secrets'),
    intro,
    note,
    list,
    empty,
    adder,
  );
  const extra = new Set<string>();

  const render = (view: SecretsView | undefined) => {
    const encryption = ctx.store.get().encryption;
    const how = encryption === 'os-keychain' ? ' with your system keychain' : encryption === 'key-file' ? ' with the key file' : ' on this computer';
    // Where nothing can be entered (headless mode without a key file), the note below says why.
    intro.textContent = view?.canStore === false
      ? 'Rules refer to keys and secrets by their names.'
      : `A value you enter is encrypted${how} and never shown again. Rules refer to it by its name.`;
    note.hidden = !view || view.canStore;
    note.textContent = view?.note ?? '';
    adder.hidden = !view?.canStore;
    const names = [...new Set([...(view?.secrets.map((s) => s.name) ?? []), ...extra])];
    const current = [...list.querySelectorAll<HTMLElement>('[data-secret]')].map((e) => e.dataset.secret);
    if (JSON.stringify(current) !== JSON.stringify(names)) {
      replaceChildren(
        list,
        ...names.map((name) => {
          const entry = secretEntry(ctx, name);
          const usedBy = view?.secrets.find((s) => s.name === name)?.usedBy ?? [];
          if (usedBy.length) entry.insertBefore(h('span', { class: 'hint' }, `used by ${usedBy.map((r) => `“${r}”`).join(', ')}`), entry.querySelector('.secret-editor'));
          return entry;
        }),
      );
    }
    empty.hidden = names.length > 0;
  };
  ctx.store.subscribe((s, prev) => {
    if (s.secrets !== prev.secrets || s.encryption !== prev.encryption) render(s.secrets);
  });
  add.addEventListener('click', () => {
    const name = newName.value.trim();
    if (!name) return newName.focus();
    extra.add(name);
    newName.value = '';
    render(ctx.store.get().secrets);
    list.querySelector<HTMLInputElement>(`[data-secret="${CSS.escape(name)}"] input[type=password]`)?.focus();
  });
  render(ctx.store.get().secrets);
  return { element, onShow: () => void loadSecrets(ctx) };
}
