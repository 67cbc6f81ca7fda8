/**
 * The secrets the responders can use, from every place one can come from, and the one order that
 * decides which value is used when a name is set in more than one (`SECRET_PRECEDENCE`). Answers
 * the window with names, "set / not set" and where each comes from, never a value: the names
 * rules refer to, the names stored, and the names the environment or file provides.
 */
import type { SecretsView, SecretView } from '../../contract/api.js';
import type { Rule } from '../autoreply/index.js';
import type { SecretStore } from './secret-store.js';
import { envVarName, type ExternalSecretKind, type SecretSource } from './sources.js';

/** Where a value can come from: headless mode's environment or secrets file, or entered in the window. */
export type SecretOrigin = Exclude<SecretView['source'], 'none'>;

/**
 * Which value is used when one name has a value in several places, first wins. Defined here only.
 * The environment and the secrets file are what the person started headless mode with, and the
 * window cannot change them, so they win over a value entered in the window; the environment wins
 * over the file, so one value can be overridden for a run without editing the file.
 */
export const SECRET_PRECEDENCE: readonly SecretOrigin[] = ['environment', 'file', 'stored'];

const rank = (origin: SecretOrigin) => SECRET_PRECEDENCE.indexOf(origin);

/** Why a change was refused, in words for the person. */
export class SecretRefused extends Error {
  constructor(
    readonly kind: 'not-allowed-now' | 'not-found',
    message: string,
  ) {
    super(message);
    this.name = 'SecretRefused';
  }
}

/** The secret names a rule's responder refers to. */
export function secretRefsOf(rule: Pick<Rule, 'reply'>): string[] {
  const reply = rule.reply;
  if (reply.type === 'webhook' && reply.secretRef) return [reply.secretRef];
  if (reply.type === 'openai' && reply.apiKeyRef) return [reply.apiKeyRef];
  return [];
}

export interface SecretsOptions {
  store: SecretStore;
  /** Headless mode: the environment and a secrets file (in any order: `SECRET_PRECEDENCE` decides). */
  external?: readonly SecretSource[];
  /** Shown when the store cannot keep secrets (what to do instead). */
  unavailableNote?: string;
}

/** A value for a name, and where it came from. */
interface Held {
  origin: SecretOrigin;
  value: string;
}

export class Secrets {
  private readonly external: readonly SecretSource[];

  constructor(private readonly o: SecretsOptions) {
    this.external = o.external ?? [];
  }

  /** The getter handed to the responders: the value that wins. */
  readonly get = async (name: string): Promise<string | undefined> => this.held(name)[0]?.value;

  /** Every value known now (to scrub them from what a responder answers). */
  values(): string[] {
    const out = new Set<string>();
    for (const name of this.o.store.names()) out.add(this.o.store.get(name)!);
    for (const source of this.external) {
      for (const name of source.names()) {
        const v = source.get(name);
        if (v) out.add(v);
      }
    }
    return [...out];
  }

  view(rules: readonly Rule[]): SecretsView {
    const usedBy = new Map<string, string[]>();
    for (const rule of rules) {
      for (const ref of secretRefsOf(rule)) usedBy.set(ref, [...(usedBy.get(ref) ?? []), rule.name]);
    }
    const names = new Set<string>([...usedBy.keys(), ...this.o.store.names()]);
    // Names only the environment or file knows, unless a listed name already covers them.
    for (const source of this.external) {
      for (const sourceName of source.names()) {
        if (![...names].some((n) => source.sameName(n, sourceName))) names.add(sourceName);
      }
    }
    const secrets = [...names]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => this.one(name, usedBy.get(name) ?? []));
    return {
      secrets,
      canStore: this.o.store.available,
      ...(this.o.store.available ? {} : { note: this.unavailableNote() }),
    };
  }

  async set(name: string, value: string, rules: readonly Rule[]): Promise<SecretView> {
    // A value entered here would not be used while a place that wins over it sets this name.
    const outside = this.held(name).find((h) => rank(h.origin) < rank('stored'));
    if (outside) throw new SecretRefused('not-allowed-now', this.outsideWords(name, outside.origin as ExternalSecretKind, 'change'));
    if (!this.o.store.available) throw new SecretRefused('not-allowed-now', this.unavailableNote());
    await this.o.store.set(name, value);
    return this.view(rules).secrets.find((s) => s.name === name) ?? this.one(name, []);
  }

  /** Forget the value entered in the window (one the environment or file overrides, too). */
  async remove(name: string): Promise<void> {
    const outside = this.held(name).find((h) => h.origin !== 'stored');
    if (outside && !this.o.store.has(name)) {
      throw new SecretRefused('not-allowed-now', this.outsideWords(name, outside.origin as ExternalSecretKind, 'remove'));
    }
    if (!(await this.o.store.remove(name))) throw new SecretRefused('not-found', `No secret named “${name}” is stored.`);
  }

  /** Every place that has a value for `name`, in `SECRET_PRECEDENCE` order: the first is used. */
  private held(name: string): Held[] {
    const held: Held[] = [];
    for (const source of this.external) {
      const value = source.get(name);
      if (value) held.push({ origin: source.kind, value });
    }
    const stored = this.o.store.get(name);
    if (stored) held.push({ origin: 'stored', value: stored });
    // Stable: two sources of one kind keep the order they were given in.
    return held.sort((a, b) => rank(a.origin) - rank(b.origin));
  }

  private one(name: string, usedBy: string[]): SecretView {
    const [used, ...others] = this.held(name);
    const overridden = [...new Set(others.map((h) => h.origin))].filter((o): o is 'file' | 'stored' => o !== 'environment');
    return {
      name,
      set: used !== undefined,
      source: used?.origin ?? 'none',
      usedBy,
      ...(overridden.length ? { overridden } : {}),
    };
  }

  private unavailableNote(): string {
    return this.o.unavailableNote ?? 'This installation cannot keep secrets.';
  }

  private outsideWords(name: string, kind: ExternalSecretKind, verb: 'change' | 'remove'): string {
    return kind === 'environment'
      ? `“${name}” comes from the environment variable ${envVarName(name)}; ${verb} it there and restart.`
      : `“${name}” comes from the secrets file; ${verb} it there and restart.`;
  }
}
