/**
 * The one error the session store throws. The connection controller maps `corrupt` and
 * `locked-key` to "needs relink" (the files are already set aside, so the next open starts fresh
 * and cannot loop), and `io` to a disk problem worth retrying or reporting.
 */
export type SessionStoreErrorKind = 'corrupt' | 'locked-key' | 'io';

const USER_MESSAGES: Record<SessionStoreErrorKind, string> = {
  corrupt: 'The saved WhatsApp session was damaged and has been set aside. Link this computer again.',
  'locked-key':
    "The saved WhatsApp session could not be unlocked with this computer's keychain and has been set aside. Link this computer again.",
  io: "The WhatsApp session could not be read or saved on this computer's disk. Check free space and folder permissions, then try again.",
};

export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
  readonly userMessage: string;

  constructor(
    readonly kind: SessionStoreErrorKind,
    message: string,
    readonly quarantinedTo?: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.userMessage = USER_MESSAGES[kind];
  }
}
