/**
 * Our privacy token is issued to a contact once, not with every reply: Baileys' own note of the
 * issue is lost (tc-token-issued.ts), so the controller writes it into the key store itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignalDataSet } from '@whiskeysockets/baileys';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { Core } from '../../../main/core/app/create-core.js';
import { noteTcTokenIssued, TC_TOKEN_BUCKET_SECONDS, TcTokenNotes } from '../../../main/core/connection/tc-token-issued.js';
import { tempDir } from '../../support/temp-dir.js';
import { startFakeWa } from '../../support/wa-harness.js';
import { echoRule, pairCore, say, startCore, useRules, waitForReply } from '../../support/core-harness.js';

/** A key store in a Map, recording every write. */
function memoryKeys() {
  const data = new Map<string, unknown>();
  const writes: SignalDataSet[] = [];
  const reads: string[] = [];
  return {
    data,
    writes,
    reads,
    get: async (type: string, ids: string[]) => {
      reads.push(...ids.map((id) => `${type}:${id}`));
      return Object.fromEntries(ids.filter((id) => data.has(`${type}:${id}`)).map((id) => [id, data.get(`${type}:${id}`)]));
    },
    set: async (set: SignalDataSet) => {
      writes.push(set);
      for (const [type, byId] of Object.entries(set)) for (const [id, v] of Object.entries(byId ?? {})) data.set(`${type}:${id}`, v);
    },
  };
}

describe('noteTcTokenIssued', () => {
  const now = 20_000 * TC_TOKEN_BUCKET_SECONDS + 100;
  const noLid = async () => null;

  it('notes the issue under the contact’s LID when one is known, keeping a token it already has', async () => {
    const keys = memoryKeys();
    keys.data.set('tctoken:42@lid', { token: Buffer.from([1, 2]), timestamp: '123' });
    const wrote = await noteTcTokenIssued(keys as never, '15550001@s.whatsapp.net', async () => '42@lid', now);
    expect(wrote).toBe(true);
    expect(keys.data.get('tctoken:42@lid')).toEqual({ token: Buffer.from([1, 2]), timestamp: '123', senderTimestamp: now });
  });

  it('writes nothing while the note is from this bucket, and again once the bucket has passed', async () => {
    const keys = memoryKeys();
    expect(await noteTcTokenIssued(keys as never, '15550001@s.whatsapp.net', noLid, now)).toBe(true);
    expect(await noteTcTokenIssued(keys as never, '15550001@s.whatsapp.net', noLid, now + 60)).toBe(false);
    expect(keys.writes).toHaveLength(1);
    expect(await noteTcTokenIssued(keys as never, '15550001@s.whatsapp.net', noLid, now + TC_TOKEN_BUCKET_SECONDS)).toBe(true);
    expect(keys.data.get('tctoken:15550001@s.whatsapp.net')).toMatchObject({ senderTimestamp: now + TC_TOKEN_BUCKET_SECONDS });
  });

  it('leaves groups, status and newsletters alone (they get no token)', async () => {
    const keys = memoryKeys();
    for (const jid of ['1203630@g.us', 'status@broadcast', '1203631@newsletter']) {
      expect(await noteTcTokenIssued(keys as never, jid, noLid, now)).toBe(false);
    }
    expect(keys.writes).toHaveLength(0);
  });
});

describe('TcTokenNotes', () => {
  const now = 20_000 * TC_TOKEN_BUCKET_SECONDS + 100;
  const ann = '15550001@s.whatsapp.net';
  let lookups = 0;
  const lidForPn = async () => {
    lookups++;
    return '42@lid';
  };
  beforeEach(() => {
    lookups = 0;
  });

  it('looks a contact up once per bucket: later replies neither read the key store nor resolve the LID', async () => {
    const keys = memoryKeys();
    const notes = new TcTokenNotes(keys as never);
    expect(notes.known(ann, now)).toBe(false);
    expect(await notes.afterSend(ann, lidForPn, now)).toBe(true);
    expect(notes.known(ann, now + 60)).toBe(true);
    expect(notes.known(ann, now + TC_TOKEN_BUCKET_SECONDS)).toBe(false);
    expect(await notes.afterSend(ann, lidForPn, now + 60)).toBe(false);
    expect(await notes.afterSend(ann, lidForPn, now + 120)).toBe(false);
    expect(keys.reads).toEqual(['tctoken:42@lid']);
    expect(lookups).toBe(1);
    // The next bucket: looked up and noted again.
    expect(await notes.afterSend(ann, lidForPn, now + TC_TOKEN_BUCKET_SECONDS)).toBe(true);
    expect(keys.data.get('tctoken:42@lid')).toMatchObject({ senderTimestamp: now + TC_TOKEN_BUCKET_SECONDS });
  });

  it('remembers a note it found (written by an earlier run) as well as one it wrote', async () => {
    const keys = memoryKeys();
    keys.data.set('tctoken:42@lid', { token: Buffer.from([1]), timestamp: '1', senderTimestamp: now - 10 });
    const notes = new TcTokenNotes(keys as never);
    expect(await notes.afterSend(ann, lidForPn, now)).toBe(false);
    expect(await notes.afterSend(ann, lidForPn, now + 1)).toBe(false);
    expect(keys.reads).toHaveLength(1);
    expect(keys.writes).toHaveLength(0);
  });

  it('forgets when Baileys writes a token entry: a write that dropped the note is noticed at the next reply', async () => {
    const keys = memoryKeys();
    const notes = new TcTokenNotes(keys as never);
    await notes.afterSend(ann, lidForPn, now);
    // Baileys clears an expired token without a note (tc-token-utils): the entry loses senderTimestamp.
    const cleared = { tctoken: { '42@lid': null } } as SignalDataSet;
    notes.observeWrite(cleared);
    expect(notes.known(ann, now)).toBe(false);
    await keys.set(cleared);
    expect(await notes.afterSend(ann, lidForPn, now + 60)).toBe(true);
    expect(keys.data.get('tctoken:42@lid')).toMatchObject({ senderTimestamp: now + 60 });
  });

  it('forgets when a LID mapping is written (the note may belong under another key), not for other key types', async () => {
    const keys = memoryKeys();
    const notes = new TcTokenNotes(keys as never);
    await notes.afterSend(ann, lidForPn, now);
    notes.observeWrite({ session: { '42.0': new Uint8Array(1) } } as SignalDataSet);
    await notes.afterSend(ann, lidForPn, now + 1);
    expect(keys.reads).toHaveLength(1);
    notes.observeWrite({ 'lid-mapping': { '15550001': '43' } } as SignalDataSet);
    await notes.afterSend(ann, async () => '43@lid', now + 2);
    expect(keys.reads).toEqual(['tctoken:42@lid', 'tctoken:43@lid']);
    expect(keys.data.get('tctoken:43@lid')).toMatchObject({ senderTimestamp: now + 2 });
  });

  it('does not remember a check that a token write overlapped', async () => {
    const keys = memoryKeys();
    const notes = new TcTokenNotes(keys as never);
    const slowLid = async () => {
      // Baileys stores the contact's token while this check is looking up the LID.
      notes.observeWrite({ tctoken: { '42@lid': null } } as SignalDataSet);
      return '42@lid';
    };
    await notes.afterSend(ann, slowLid, now);
    await notes.afterSend(ann, lidForPn, now + 1);
    expect(keys.reads).toHaveLength(2);
  });
});

describe('replies through the real Baileys client', () => {
  let server: FakeWaServer;
  const cores: Core[] = [];

  beforeEach(async () => {
    server = await startFakeWa();
  });

  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    await server.close();
  });

  it('issue the token once per contact, however many replies go out', async () => {
    const core = await startCore(server, tempDir());
    cores.push(core);
    const account = server.createAccount({ name: 'Owner' });
    await pairCore(server, core, account);
    const texts = ['one', 'two', 'three', 'four'];
    // A rule per text: each chat's rule cooldown would hold back a second reply from one rule.
    await useRules(core, texts.map((text) => echoRule({ id: `r-${text}`, name: `Rule ${text}`, match: { type: 'exact', text } })));
    const contact = server.createContact({ name: 'Ann' });
    const before = server.record.framesIn('iq', 'tokens').length;
    for (const text of texts) {
      await say(contact, account, text);
      await waitForReply(core, (r) => r.text === `Re: ${text}` && r.status === 'sent', 15_000, `reply to ${text}`);
    }
    expect(server.record.framesIn('iq', 'tokens').length - before).toBe(1);
  });
});
