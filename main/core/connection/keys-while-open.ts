/**
 * The Signal key store as one socket sees it: readable only while that socket is live.
 *
 * Why: when a link drops, Baileys goes on decrypting the messages it had already received (its
 * message queue runs on; only the offline batch stops). It cannot send their receipts any more,
 * so the server delivers them again at the next login. A decryption on the dead socket spends the
 * message keys the redelivered copy needs: the copy cannot be decrypted, and it costs a retry
 * receipt and a resend from the contact's phone, often several per drop. Refusing the dead
 * socket's reads makes such a decryption fail before it touches a key (Baileys then skips its
 * retry receipt, the socket being closed), and the redelivered copy decrypts normally.
 *
 * Only reads are refused: a transaction that read its keys while the socket was live still
 * writes its result, so a reply encrypted (and maybe sent) just before the drop keeps its
 * sending counter.
 */
import type { SignalKeyStore } from '@whiskeysockets/baileys';

export interface KeysGate {
  open: boolean;
}

/** Thrown to a socket that reads keys after it closed; Baileys logs it as a failed decryption. */
export class SocketClosedError extends Error {
  constructor() {
    super('the connection closed; its messages are read again on the next one');
    this.name = 'SocketClosedError';
  }
}

/** `onWrite` sees each write before it goes to the store (memos derived from keys forget with it). */
export function keysWhileOpen(keys: SignalKeyStore, gate: KeysGate, onWrite?: (data: Parameters<SignalKeyStore['set']>[0]) => void): SignalKeyStore {
  return {
    get: (type, ids) => (gate.open ? keys.get(type, ids) : Promise.reject(new SocketClosedError())),
    set: (data) => {
      onWrite?.(data);
      return keys.set(data);
    },
    ...(keys.clear ? { clear: () => keys.clear!() } : {}),
  };
}
