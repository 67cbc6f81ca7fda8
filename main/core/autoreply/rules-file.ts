/**
 * Rules as a JSON file: what "Export rules" writes and "Import rules" reads. The file names its
 * format and version so a later Replyline can read an older file; a bare array of rules (written
 * by hand or by a script) is read too. Importing is all or nothing: the caller validates the
 * whole list with `validateRules`, which names each problem per rule.
 *
 * Rules hold no secrets (API keys and webhook secrets are stored elsewhere and only named by a
 * reference), so the file can be shared as it is.
 */
import type { ValidationError } from './schema.js';

export const RULES_FILE_FORMAT = 'replyline-rules';
export const RULES_FILE_VERSION = 1;

export interface RulesFile {
  format: typeof RULES_FILE_FORMAT;
  version: typeof RULES_FILE_VERSION;
  exportedAt: string;
  rules: unknown[];
}

export function exportRulesFile(rules: readonly unknown[], now: number): { fileName: string; json: string } {
  const file: RulesFile = {
    format: RULES_FILE_FORMAT,
    version: RULES_FILE_VERSION,
    exportedAt: new Date(now).toISOString(),
    rules: [...rules],
  };
  return { fileName: `replyline-rules-${file.exportedAt.slice(0, 10)}.json`, json: `${JSON.stringify(file, null, 2)}\n` };
}

const problem = (message: string): { ok: false; errors: ValidationError[] } => ({ ok: false, errors: [{ path: [], message }] });

/** The rules in a file's text, not yet validated. */
export function readRulesFile(text: string): { ok: true; rules: unknown[] } | { ok: false; errors: ValidationError[] } {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return problem('The file is not valid JSON, so no rules could be read from it.');
  }
  if (Array.isArray(data)) return { ok: true, rules: data };
  if (data === null || typeof data !== 'object') {
    return problem('The file is not a Replyline rules file (expected a list of rules).');
  }
  const file = data as Partial<Record<keyof RulesFile, unknown>>;
  if (file.format !== RULES_FILE_FORMAT || !Array.isArray(file.rules)) {
    return problem('The file is not a Replyline rules file (expected a list of rules).');
  }
  if (typeof file.version !== 'number' || file.version > RULES_FILE_VERSION) {
    return problem('The file was written by a newer Replyline; update Replyline to import it.');
  }
  return { ok: true, rules: file.rules };
}

/**
 * Append imported rules to saved ones: an imported rule whose id is taken gets a new one
 * (`away` → `away-2`), so both are kept.
 */
export function appendRules(saved: readonly unknown[], imported: readonly unknown[]): unknown[] {
  const taken = new Set(saved.map(idOf).filter((id): id is string => id !== undefined));
  const out = [...saved];
  for (const rule of imported) {
    const id = idOf(rule);
    if (id === undefined || !taken.has(id)) {
      if (id !== undefined) taken.add(id);
      out.push(rule);
      continue;
    }
    let n = 2;
    while (taken.has(`${id}-${n}`)) n++;
    taken.add(`${id}-${n}`);
    out.push({ ...(rule as object), id: `${id}-${n}` });
  }
  return out;
}

function idOf(rule: unknown): string | undefined {
  return rule && typeof rule === 'object' && typeof (rule as { id?: unknown }).id === 'string'
    ? ((rule as { id: string }).id.trim() || undefined)
    : undefined;
}
