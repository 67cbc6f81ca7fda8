/**
 * A small seeded PRNG (mulberry32) for the chaos, corruption and bad-input suites: the same seed
 * gives the same fault schedule, damage and payloads, so a failure can be replayed.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** `n` bytes of seeded garbage. */
export function garbageBytes(random: Random, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/**
 * The seed from `env[name]` (decimal or 0x-hex), else a fresh one. Printed either way, so a
 * failing run can be repeated with `NAME=<seed> npx vitest run …`.
 */
export function seedFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  const seed = raw !== undefined && raw !== '' ? Number(raw) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  if (raw !== undefined && raw !== '' && !Number.isFinite(Number(raw))) throw new Error(`${name} must be a number, got ${raw}`);
  console.log(`${name}=${seed} (set ${name} to replay this run)`);
  return seed;
}
