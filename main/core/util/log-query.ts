/**
 * The search both logs of decisions offer (the reply log and the activity log): newest first,
 * filtered by who wrote (name, masked number or 3+ digits of the number), by words in the entry's
 * text and by time, plus each log's own fields, up to a limit.
 */

/** Who wrote, as both logs keep it. The JID is searched by its digits, never shown. */
export interface ContactFields {
  contactName: string;
  contactMasked: string;
  contactJid: string;
}

/** What both logs' queries share. */
export interface LogQuery {
  /** Name, masked number or 3+ digits of the number. */
  contact?: string;
  /** Case-insensitive, in the entry's text (`texts`). */
  search?: string;
  /** Entries at this time or later (`time`). */
  since?: number;
  /** Entries at this time or earlier (`time`). */
  until?: number;
  /** Newest first; default: all. */
  limit?: number;
}

export interface LogQueryFields<E> {
  /** The time `since` / `until` compare. */
  time(e: E): number;
  /** The text `search` looks in. */
  texts(e: E): readonly string[];
  /** The log's own filters (status, outcome, …). */
  accept?(e: E): boolean;
  /** A copy for the caller (the logs never hand out their own objects). */
  copy(e: E): E;
}

/** A case-insensitive test for a contact: name, masked number, or 3+ digits of the number. */
export function contactMatcher(query: string): (e: ContactFields) => boolean {
  const q = query.trim().toLowerCase();
  const digits = q.replace(/\D/g, '');
  return (e) =>
    e.contactName.toLowerCase().includes(q) ||
    e.contactMasked.toLowerCase().includes(q) ||
    (digits.length >= 3 && (e.contactJid.split('@')[0] ?? '').includes(digits));
}

/** The entries (oldest first, as the logs keep them) that `q` and the log's filters take, newest first. */
export function queryNewestFirst<E extends ContactFields>(entries: Iterable<E>, q: LogQuery, fields: LogQueryFields<E>): E[] {
  const text = q.search?.trim().toLowerCase() || undefined;
  const contact = q.contact ? contactMatcher(q.contact) : undefined;
  const all = [...entries];
  const out: E[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const e = all[i]!;
    if (fields.accept && !fields.accept(e)) continue;
    if (q.since !== undefined && fields.time(e) < q.since) continue;
    if (q.until !== undefined && fields.time(e) > q.until) continue;
    if (text && !fields.texts(e).some((t) => t.toLowerCase().includes(text))) continue;
    if (contact && !contact(e)) continue;
    out.push(fields.copy(e));
    if (q.limit !== undefined && out.length >= q.limit) break;
  }
  return out;
}
