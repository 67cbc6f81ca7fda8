/**
 * A contact's message on the old Signal session arriving after a device-list refresh started a
 * new one. The whole core drives the real Baileys client against the fake server, with a device
 * list that expires after 200 ms (the app's is 5 minutes), so the next reply asks usync again and
 * Baileys force-starts a new session from a fresh key bundle (`assertSessions(…, true)`).
 *
 * libsignal tries such a message on the new (open, most recently used) session first; its failed
 * try used to leave that session stepped with the wrong key, and every later reply on it failed
 * at the contact with "Bad MAC" (the soak's lost replies, BENCHMARKS.md "Lost replies"). The
 * contact's message is encrypted before the refresh and handed over after it, so the order is
 * fixed, not left to timing.
 */
import { encodeWAMessage, generateMessageID } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import { node, unixNow } from '../fake-wa/binary.js';
import { companionAddress, type FakeContact } from '../fake-wa/contact.js';
import type { Core } from '../../main/core/app/create-core.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { echoRule, pairCore, say, startCore, useRules } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';

const DEVICE_LIST_TTL_MS = 200;

let server: FakeWaServer;
let core: Core | undefined;

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  await core?.close();
  core = undefined;
  await server.close();
});

/** Waits until `contact` decrypted a reply with this text. */
async function replyReached(contact: FakeContact, text: string): Promise<void> {
  await until(() => contact.texts().includes(text), 15_000, `"${text}" at the contact`);
}

describe('device-list refresh with the contact still on the old session', () => {
  it('a message on the old session leaves the new one intact: later replies and messages still decrypt', async () => {
    core = await startCore(server, tempDir(), { controller: { deviceListTtlMs: DEVICE_LIST_TTL_MS } });
    await pairCore(server, core);
    // One rule per message: each rule answers a chat once per 10 s.
    await useRules(
      core,
      ['one', 'two', 'three', 'four'].map((text) => echoRule({ id: `r-${text}`, name: `Rule ${text}`, match: { type: 'exact', text } })),
    );
    const account = server.defaultAccount;
    const alice = server.createContact({ name: 'Alice' });

    // Session A: Alice starts it, the reply goes back on it.
    await say(alice, account, 'one');
    await replyReached(alice, 'Re: one');

    // Alice writes "two" on session A now; it reaches the client only after the refresh below.
    const conn = server.liveConnections(account)[0]!;
    const late = await alice.party.encrypt(companionAddress(account, conn.device!.deviceId), encodeWAMessage({ conversation: 'two' }), () => undefined);
    registerSecret('two');
    registerSecret('Re: two');

    // The device list expires; the reply to "three" refreshes it and starts session B (a pkmsg).
    await new Promise((resolve) => setTimeout(resolve, DEVICE_LIST_TTL_MS + 100));
    const keyFetches = server.record.framesIn('iq', 'key').length;
    await say(alice, account, 'three');
    await replyReached(alice, 'Re: three');
    expect(server.record.framesIn('iq', 'key').length).toBeGreaterThan(keyFetches);
    expect(alice.received.find((m) => m.text === 'Re: three')?.encType).toBe('pkmsg');

    // "two" arrives on session A, after B exists.
    conn.send(
      node('message', { from: alice.phoneJid, sender_lid: alice.lid, id: generateMessageID(), type: 'text', t: unixNow(), notify: 'Alice' }, [
        node('enc', { v: '2', type: late.type }, late.ciphertext),
      ]),
    );
    await replyReached(alice, 'Re: two');
    // Alice now writes on session B.
    await say(alice, account, 'four');
    await replyReached(alice, 'Re: four');

    expect(server.record.decryptErrors).toEqual([]);
    expect(server.record.retryRequests).toEqual([]);
    expect(alice.texts()).toEqual(['Re: one', 'Re: three', 'Re: two', 'Re: four']);
    // The contact decrypts a reply before the server's ack reaches the client: wait for the acks.
    await until(() => core!.replyLog.query({}).every((r) => r.status === 'sent'), 15_000, 'all four replies acked');
    expect(core.replyLog.query({}).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  }, 60_000);
});
