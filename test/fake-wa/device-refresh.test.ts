/**
 * A contact's device list leaving Baileys' cache while messages are in flight: the next send asks
 * usync again and force-refreshes the contact's Signal sessions (`assertSessions(lids, true)`), so
 * replies start a new session while the contact's messages on the old one still arrive. Real
 * Baileys client against the fake server, with a device cache that keeps entries 1 s; every
 * reply must still decrypt at the contacts, and every message at the client.
 */
import type { CacheStore } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import type { FakeContact } from './contact.js';
import { textOfUpsert, useFakeWa } from './test-harness.js';

const wa = useFakeWa();
const CONTACTS = 20;
const MESSAGES = 300;

/** A device cache whose entries expire after `ttlMs` (Baileys' own keeps them 5 minutes). */
function shortLivedCache(ttlMs: number): CacheStore {
  const entries = new Map<string, { value: unknown; until: number }>();
  return {
    get: <T>(key: string) => {
      const e = entries.get(key);
      return e && e.until > Date.now() ? (e.value as T) : undefined;
    },
    set: <T>(key: string, value: T) => void entries.set(key, { value, until: Date.now() + ttlMs }),
    del: (key: string) => void entries.delete(key),
    flushAll: () => entries.clear(),
  };
}

describe('device list refresh with messages in flight', () => {
  it('sessions refreshed under way: every reply and every message still decrypts', async () => {
    const server = await wa.start();
    const { c } = await wa.pairAndLogin(undefined, { userDevicesCache: shortLivedCache(1000) });
    const contacts = Array.from({ length: CONTACTS }, (_, i) => server.createContact({ name: `Contact ${i}` }));
    c.sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) {
        const text = textOfUpsert({ type: 'notify', message: m });
        if (m.key.fromMe || !text) continue;
        void c.sock.sendMessage(m.key.remoteJid!, { text: `Re: ${text}` });
      }
    });
    // As the soak's contacts: three messages in flight each, the next written as a reply arrives.
    let written = 0;
    const next = (contact: FakeContact) => {
      if (written >= MESSAGES) return;
      written++;
      void contact.sendText(server.defaultAccount, `m${written}`);
    };
    server.on('message', (m: { to: string }) => {
      const contact = contacts.find((x) => x.phoneJid === m.to);
      if (contact) next(contact);
    });
    for (const contact of contacts) for (let k = 0; k < 3; k++) next(contact);
    const replies = () => contacts.reduce((n, x) => n + x.received.length, 0);
    await server.waitFor(() => replies() + server.record.decryptErrors.length >= MESSAGES, 60_000, 'the replies');
    expect(server.record.decryptErrors).toEqual([]);
    expect(replies()).toBe(MESSAGES);
    expect(server.record.retries).toEqual([]);
    // The cache did expire under way: the client asked for devices more than once per contact.
    expect(server.record.framesIn('iq', 'usync').length).toBeGreaterThan(CONTACTS);
  }, 90_000);
});
