/** Whether a held reply may go out from the account linked now. */
import type { AccountIdentity } from '../../contract/api.js';
import { sameUser } from './jid.js';

/** Same WhatsApp account: the same phone number, or the same LID when both are known. */
export function sameAccount(a: AccountIdentity, b: AccountIdentity): boolean {
  if (sameUser(a.phoneJid, b.phoneJid)) return true;
  return a.lid !== undefined && b.lid !== undefined && sameUser(a.lid, b.lid);
}
