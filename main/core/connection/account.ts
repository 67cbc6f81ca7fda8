/** Whether a held reply may go out from the account linked now. */
import type { AccountIdentity } from '../../contract/api.js';
import { sameUser } from './jid.js';

/** Same WhatsApp account: the same phone number, or the same LID when both are known. */
export function sameAccount(a: AccountIdentity, b: AccountIdentity): boolean {
  if (sameUser(a.phoneJid, b.phoneJid)) return true;
  return a.lid !== undefined && b.lid !== undefined && sameUser(a.lid, b.lid);
}

/**
 * `sameAccount(other, account)` for one linked account and many `other`s in a row (the outbox's
 * scan): it keeps the last answer, since the replies waiting at one time almost all carry the
 * same account, and comparing two strings is much cheaper than parsing four JIDs.
 */
export class AccountMatcher {
  /** A copy: an account object changed in place afterwards is a different account. */
  private readonly account: AccountIdentity;
  private lastPhoneJid: string | undefined;
  private lastLid: string | undefined;
  private lastAnswer: boolean | undefined;

  constructor(account: AccountIdentity) {
    this.account = account.lid === undefined ? { phoneJid: account.phoneJid } : { phoneJid: account.phoneJid, lid: account.lid };
  }

  /** This matcher answers for `account` (the same JIDs). */
  isFor(account: AccountIdentity): boolean {
    return account.phoneJid === this.account.phoneJid && account.lid === this.account.lid;
  }

  /** Whether `other` is the same WhatsApp account as the one this matcher was made for. */
  matches(other: AccountIdentity): boolean {
    if (this.lastAnswer !== undefined && other.phoneJid === this.lastPhoneJid && other.lid === this.lastLid) return this.lastAnswer;
    const answer = sameAccount(other, this.account);
    this.lastPhoneJid = other.phoneJid;
    this.lastLid = other.lid;
    this.lastAnswer = answer;
    return answer;
  }
}
