/**
 * Typed errors of the auto-reply engine. Each carries a plain-language `message` for the
 * person (shown in the reply log); none ever contains a secret.
 */

export type ReplyErrorKind =
  /** The responder did not answer within its timeout. */
  | 'responder-timeout'
  /** The responder could not be reached (refused, unknown host, TLS, reset). */
  | 'responder-unreachable'
  /** The responder answered with an HTTP error status. */
  | 'responder-http-error'
  /** The responder's answer was larger than the rule's limit. */
  | 'responder-too-large'
  /** The answer could not be understood (bad JSON, no reply text in it). */
  | 'responder-bad-response'
  /** The answer was understood but its text is empty. */
  | 'responder-empty'
  /** The webhook said on purpose that no reply should be sent (HTTP 204 or `{"reply": null}`). */
  | 'responder-declined'
  /** The rule names a secret (API key) that is not stored. */
  | 'secret-missing'
  /** The rule itself cannot work (e.g. a bad address in an unvalidated rule). */
  | 'invalid-config'
  /** The caller cancelled (e.g. the app is quitting). */
  | 'aborted'
  /** The template rendered to nothing. */
  | 'empty-reply'
  /** An unexpected failure (a bug); the message says nothing more. */
  | 'internal';

export interface ReplyError {
  kind: ReplyErrorKind;
  message: string;
  /** HTTP status, for responder-http-error. */
  status?: number;
}

export function replyError(kind: ReplyErrorKind, message: string, status?: number): ReplyError {
  return status === undefined ? { kind, message } : { kind, message, status };
}

/** "150 ms", "30 s", "1.5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1_000).toFixed(1))} s`;
}

/** "64 KB", "512 bytes", "1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
}
