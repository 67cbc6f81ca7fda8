/**
 * The outbox's on-disk records and their replay. A reply is written whole once (`put`, before
 * its first attempt); each later change is a small `set` record. Compaction writes one `put`
 * per kept entry. Records are validated on the way back in; an unknown shape is dropped.
 */
import * as z from 'zod';
import { DELIVERY_STATES, type DeliveryState, type OutboxEntry } from './types.js';
import type { DeliveryError, DeliveryErrorKind } from './errors.js';
import { parseWith } from '../storage/parse-with.js';

const ERROR_KINDS = [
  'disconnected',
  'no-ack',
  'send-error',
  'server-error',
  'rejected',
  'invalid-address',
  'empty-text',
  'gave-up',
  'expired',
  'account-changed',
  'cancelled',
] as const satisfies readonly DeliveryErrorKind[];

const stateSchema = z.enum(DELIVERY_STATES as [DeliveryState, ...DeliveryState[]]);
const errorSchema = z.object({ kind: z.enum(ERROR_KINDS), message: z.string(), code: z.number().optional() });
const accountSchema = z.object({ phoneJid: z.string(), lid: z.string().optional(), name: z.string().optional() });

const entrySchema = z.object({
  id: z.string().min(1),
  chatJid: z.string(),
  text: z.string(),
  account: accountSchema.optional(),
  createdAt: z.number(),
  notBefore: z.number(),
  expiresAt: z.number().nullable(),
  typing: z.boolean(),
  typingFrom: z.number().optional(),
  waitsForOwner: z.boolean().optional(),
  ref: z.string().optional(),
  state: stateSchema,
  attempts: z.number().int().min(0),
  lastError: errorSchema.optional(),
  updatedAt: z.number(),
  sentAt: z.number().optional(),
});

const putSchema = z.object({ t: z.literal('put'), e: entrySchema });
const setSchema = z.object({
  t: z.literal('set'),
  id: z.string(),
  state: stateSchema,
  at: z.number(),
  attempts: z.number().int().min(0),
  notBefore: z.number().optional(),
  error: errorSchema.optional(),
  sentAt: z.number().optional(),
});

/** Written last by a clean close: nothing was written on a socket after it that the log does not show. */
const closedSchema = z.object({ t: z.literal('closed'), at: z.number() });

const recordSchema = z.discriminatedUnion('t', [putSchema, setSchema, closedSchema]);

export type OutboxRecord = z.infer<typeof recordSchema>;
/** The stored entry: all of `OutboxEntry`, writable. */
export type StoredEntry = { -readonly [K in keyof OutboxEntry]: OutboxEntry[K] };

export const parseOutboxRecord: (value: unknown) => OutboxRecord | undefined = parseWith(recordSchema);

export function putRecord(e: StoredEntry): OutboxRecord {
  return { t: 'put', e: { ...e } };
}

export function setRecord(e: StoredEntry): OutboxRecord {
  const rec: OutboxRecord = { t: 'set', id: e.id, state: e.state, at: e.updatedAt, attempts: e.attempts, notBefore: e.notBefore };
  if (e.lastError) rec.error = e.lastError;
  if (e.sentAt !== undefined) rec.sentAt = e.sentAt;
  return rec;
}

/** Rebuild the entries, in enqueue order, from the records. */
export function replay(records: readonly OutboxRecord[]): Map<string, StoredEntry> {
  const entries = new Map<string, StoredEntry>();
  for (const r of records) {
    switch (r.t) {
      case 'put':
        entries.set(r.e.id, { ...r.e });
        break;
      case 'set': {
        const e = entries.get(r.id);
        if (!e) break;
        e.state = r.state;
        e.updatedAt = r.at;
        e.attempts = r.attempts;
        if (r.notBefore !== undefined) e.notBefore = r.notBefore;
        e.lastError = r.error as DeliveryError | undefined;
        if (r.sentAt !== undefined) e.sentAt = r.sentAt;
        break;
      }
      case 'closed':
        break;
    }
  }
  return entries;
}
