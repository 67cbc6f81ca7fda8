/**
 * Baileys' `userDevicesCache` (which devices each user has), kept by the controller across
 * sockets instead of one fresh cache per socket.
 *
 * Why: with a fresh cache, the first send after every reconnect asks the server for the
 * recipient's devices (a usync round trip) and, because that answer carries LIDs, Baileys then
 * force-refreshes the Signal sessions of those devices (a prekey fetch, new sessions, and a
 * `pkmsg` instead of a `msg`). Measured against the fake server: open → reply stanza 24 ms with
 * a per-socket cache, 6 ms with this one (bench row 1).
 *
 * Entries expire after the same 5 minutes as Baileys' own cache, so nothing is staler than on one
 * long-lived socket; device notifications update it through Baileys as before. Bounded in size.
 */
import type { PossiblyExtendedCacheStore } from '@whiskeysockets/baileys';

/** Baileys' own device cache keeps entries this long. */
export const DEVICE_LIST_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 5_000;

export class DeviceListCache implements PossiblyExtendedCacheStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** How long an entry lives (tests and the soak bench shorten it to reach a refresh sooner). */
    private readonly ttlMs: number = DEVICE_LIST_TTL_MS,
  ) {}

  get<T>(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  set<T>(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    // Oldest first (insertion order): drop the oldest beyond the bound.
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  del(key: string): void {
    this.entries.delete(key);
  }

  flushAll(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
