/**
 * What the reply log and Activity share around their filters: the list is read again as the
 * person types (after a short pause) or picks a filter (at once), and "Export CSV" saves what the
 * filters show (every match, not just the page).
 */
import type { Result } from '../../main/contract/api.js';
import { downloadText } from './download.js';
import { exportName } from './format.js';

export interface FilterReload {
  /** Read the list again after `ms` (a new call restarts the wait). */
  soon(ms?: number): void;
  /** Forget a pending reload. */
  cancel(): void;
}

export function reloadOnFilters(o: {
  load: () => unknown;
  /** Text fields: read again once typing pauses. */
  typed: readonly HTMLInputElement[];
  /** Choices: read again at once. */
  picked: readonly HTMLSelectElement[];
  form: HTMLFormElement | null;
}): FilterReload {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = (ms = 200) => {
    clearTimeout(timer);
    timer = setTimeout(() => void o.load(), ms);
  };
  for (const input of o.typed) input.addEventListener('input', () => soon());
  for (const select of o.picked) select.addEventListener('change', () => soon(0));
  o.form?.addEventListener('submit', (e) => {
    e.preventDefault();
    soon(0);
  });
  return { soon, cancel: () => clearTimeout(timer) };
}

/** The export button: the CSV of what the filters match, saved as `replyline-<what>-<date>.csv`. */
export function exportOnClick(button: HTMLButtonElement, o: { what: string; run: () => Promise<Result<string>>; done: () => void }): void {
  button.addEventListener('click', () => {
    button.disabled = true;
    void o.run().then((r) => {
      button.disabled = false;
      if (!r.ok) return;
      downloadText(exportName(o.what), r.value);
      o.done();
    });
  });
}
