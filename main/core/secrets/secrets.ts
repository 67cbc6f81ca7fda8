/**
 * The secrets the responders can use: headless mode's environment and secrets file first, then the
 * encrypted store the window fills. Answers the window with names and "set / not set" only: the
 * names rules refer to, the names stored, and the names the environment or file provides.
 */
import type { SecretsView, SecretView } from '../../contract/api.js';
import type { Rule } from '../autoreply/index.js';
import type { SecretStore } from './secret-store.js';
import { combineSources, envVarName, type SecretSource } from './sources.js';

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
  /** Headless mode: the environment and a secrets file. */
  external?: readonly SecretSource[];
  /** Shown when the store cannot keep secrets (what to do instead). */
  unavailableNote?: string;
}

export class Secrets {
  private readonly external: readonly SecretSource[];
  private readonly lookup: ReturnType<typeof combineSources>;

  constructor(private readonly o: SecretsOptions) {
    this.external = o.external ?? [];
    this.lookup = combineSources(this.external);
  }

  /** The getter handed to the responders. */
  readonly get = async (name: string): Promise<string | undefined> =>
    this.lookup.get(name)?.value ?? this.o.store.get(name);

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
      ...(this.o.store.available ? {} : { note: this.o.unavailableNote ?? 'This installation cannot keep secrets.' }),
    };
  }

  async set(name: string, value: string, rules: readonly Rule[]): Promise<SecretView> {
    const outside = this.lookup.get(name);
    if (outside) throw new SecretRefused('not-allowed-now', this.outsideWords(name, outside.kind, 'change'));
    if (!this.o.store.available) {
      throw new SecretRefused('not-allowed-now', this.o.unavailableNote ?? 'This installation cannot keep secrets.');
    }
    await this.o.store.set(name, value);
    return this.view(rules).secrets.find((s) => s.name === name) ?? this.one(name, []);
  }

  async remove(name: string): Promise<void> {
    const outside = this.lookup.get(name);
    if (outside && !this.o.store.has(name)) throw new SecretRefused('not-allowed-now', this.outsideWords(name, outside.kind, 'remove'));
    if (!(await this.o.store.remove(name))) throw new SecretRefused('not-found', `No secret named “${name}” is stored.`);
  }

  private one(name: string, usedBy: string[]): SecretView {
    const outside = this.lookup.get(name);
    const stored = this.o.store.has(name);
    return {
      name,
      set: outside !== undefined || stored,
      source: outside ? outside.kind : stored ? 'stored' : 'none',
      usedBy,
    };
  }

  private outsideWords(name: string, kind: 'environment' | 'file', verb: 'change' | 'remove'): string {
    return kind === 'environment'
      ? `“${name}” comes from the environment variable ${envVarName(name)}; ${verb} it there and restart.`
      : `“${name}” comes from the secrets file; ${verb} it there and restart.`;
  }
}
