/**
 * The call tracker's state machine, event by event (the whole path through the real Baileys
 * client is in test/core/conversation-aware.test.ts): a call is missed when it ends without being
 * accepted on any of the owner's devices.
 */
import type { WACallEvent } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { CallTracker } from '../../../main/core/inbound/calls.js';

const me = { phoneJid: '15550000001@s.whatsapp.net', lid: '99000000001@lid' };
const caller = '15550000002@s.whatsapp.net';
const at = new Date('2026-03-01T10:00:00Z');

function ev(id: string, status: WACallEvent['status'], over: Partial<WACallEvent> = {}): WACallEvent {
  return { id, status, chatId: caller, from: caller, date: at, offline: false, ...over };
}

describe('CallTracker', () => {
  it('offer then timeout, terminate or reject without an accept: missed, once', () => {
    for (const end of ['timeout', 'terminate', 'reject'] as const) {
      const t = new CallTracker();
      expect(t.observe(ev('C1', 'offer'), me)).toBeUndefined();
      expect(t.stateOf('C1')).toBe('ringing');
      const missed = t.observe(ev('C1', end), me);
      expect(missed?.message).toMatchObject({ id: 'C1', chatJid: caller, messageKind: 'missed-call', senderPhone: '15550000002', timestamp: at.getTime() });
      expect(missed?.keys).toEqual([`${caller}|C1`]);
      expect(t.stateOf('C1')).toBeUndefined();
      // A second end stanza for the same call (a redelivery) is no second missed call.
      expect(t.observe(ev('C1', 'terminate'), me)).toBeUndefined();
    }
  });

  it('accepted on one of the owner’s devices, then ended: not missed', () => {
    const t = new CallTracker();
    t.observe(ev('C2', 'offer'), me);
    expect(t.observe(ev('C2', 'accept', { chatId: me.phoneJid }), me)).toBeUndefined();
    expect(t.stateOf('C2')).toBe('answered');
    expect(t.observe(ev('C2', 'terminate'), me)).toBeUndefined();
  });

  it('without the offer: a timeout is still missed (it rang out), a bare terminate or reject is not counted', () => {
    const t = new CallTracker();
    expect(t.observe(ev('C3', 'timeout'), me)?.message.messageKind).toBe('missed-call');
    expect(t.observe(ev('C4', 'terminate'), me)).toBeUndefined();
    expect(t.observe(ev('C5', 'reject'), me)).toBeUndefined();
  });

  it('a call the owner places from the phone is never missed', () => {
    const t = new CallTracker();
    t.observe(ev('C6', 'offer', { from: `${me.phoneJid.split('@')[0]}:0@s.whatsapp.net` }), me);
    expect(t.observe(ev('C6', 'timeout', { from: me.phoneJid }), me)).toBeUndefined();
  });

  it('a group call keeps the group from its offer, which the end stanza does not carry', () => {
    const t = new CallTracker();
    t.observe(ev('C7', 'offer', { isGroup: true, groupJid: '120363000000000001@g.us' }), me);
    expect(t.observe(ev('C7', 'terminate'), me)?.message).toMatchObject({ chatJid: '120363000000000001@g.us', isGroup: true, senderJid: caller });
  });
});
