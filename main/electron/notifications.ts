/**
 * Desktop notifications for what needs the person while the window is hidden:
 *
 *  - open elsewhere (440): "use it here or link again";
 *  - logged out (401) or the session needs a relink: "scan the new QR code";
 *  - the account is barred (403);
 *  - repeated connection failures: once per outage, when the attempt count reaches a threshold;
 *  - replies that did not go out (failed, expired, cancelled), batched so a burst is one message —
 *    the product's promise is "delivered exactly once, or you are told why not".
 *
 * Each is shown once when its state is entered, not again while it lasts. Nothing here holds
 * message text or phone numbers; contact names only. Clicking opens the window. Off when the
 * person switched notifications off in settings.
 *
 * A notification the system refuses (`failed`: Electron ≥ 42 shows macOS notifications through
 * UNNotification, which refuses apps that are not code-signed) is logged, let go, and handed to
 * `onFailed`, which shows it in the window instead; so is one where the system has no
 * notifications at all.
 *
 * Clicks on Windows go through `Notification.handleActivation` (Electron 45, Windows only): a
 * toast that timed out into the Action Center outlives its object, and a click on it reaches no
 * instance listener once the object was collected; the activation callback hears every click,
 * including the one that launched the app.
 */
import { Notification } from 'electron';
import type { ReplyView } from '../contract/api.js';
import type { CoreService } from '../core/app/core-service.js';
import type { ConnectionState } from '../contract/api.js';
import { getLogger } from '../core/logging/logger.js';

export const FAILURE_NOTIFY_ATTEMPT = 5;
export const REPLY_BATCH_MS = 3_000;

export interface NotificationText {
  title: string;
  body: string;
}

export interface NotificationsOptions {
  core: Pick<CoreService, 'on'>;
  /** Whether the person wants notifications (settings.notifications). */
  enabled: () => boolean;
  onClick: () => void;
  /** The system would not show this one (`failed`); the shell shows it in the window instead. */
  onFailed?: (text: NotificationText) => void;
  platform?: NodeJS.Platform;
  failureAttempt?: number;
  batchMs?: number;
}

/**
 * What to say when the connection goes from `prev` to `next`, if anything. `failureNotified`
 * tells whether this outage was already announced.
 */
export function connectionNotice(
  prev: ConnectionState | undefined,
  next: ConnectionState,
  failureNotified: boolean,
  failureAttempt = FAILURE_NOTIFY_ATTEMPT,
): NotificationText | undefined {
  if (prev?.kind === next.kind && next.kind !== 'reconnecting') return undefined;
  switch (next.kind) {
    case 'conflict':
      return {
        title: 'WhatsApp is open elsewhere',
        body: 'Another copy took over this session. Open Replyline to use it here or link again. Queued replies are kept.',
      };
    case 'logged-out':
      return { title: 'Logged out of WhatsApp', body: 'Your phone removed this computer. Open Replyline and scan the new QR code.' };
    case 'needs-relink':
      return { title: 'Link Replyline again', body: `${next.reason}. Open Replyline and scan a new QR code.` };
    case 'forbidden':
      return { title: 'WhatsApp refused this account', body: 'Replyline stopped and will not retry. Open it for details.' };
    case 'reconnecting':
      if (failureNotified || next.attempt < failureAttempt) return undefined;
      return {
        title: 'Replyline cannot reconnect',
        body: `${next.attempt} attempts failed; still trying. Replies wait and go out when the link is back.`,
      };
    default:
      return undefined;
  }
}

const NOT_SENT: ReadonlySet<ReplyView['status']> = new Set(['failed', 'expired', 'cancelled']);

export function repliesNotice(replies: readonly ReplyView[]): NotificationText | undefined {
  if (replies.length === 0) return undefined;
  if (replies.length === 1) {
    const r = replies[0]!;
    const why = r.lastError ? `: ${r.lastError}` : '';
    return { title: 'A reply was not sent', body: `Reply to ${r.contactName} ${r.status}${why}` };
  }
  return { title: `${replies.length} replies were not sent`, body: 'Open Replyline to see why in the reply log.' };
}

export function setupNotifications(options: NotificationsOptions): () => void {
  const log = getLogger('notifications');
  const platform = options.platform ?? process.platform;
  // Windows: one callback for every click, whether or not the object still lives. It is invoked
  // in addition to the instance's `click`, so there the instance listener is left out.
  const activationHandled = platform === 'win32' && typeof Notification.handleActivation === 'function';
  if (activationHandled) {
    Notification.handleActivation((details) => {
      if (details.type === 'click') options.onClick();
    });
  }
  const live = new Set<Notification>();
  let prev: ConnectionState | undefined;
  let failureNotified = false;
  const notifiedReplies = new Set<string>();
  let batch: ReplyView[] = [];
  let batchTimer: ReturnType<typeof setTimeout> | undefined;

  const show = (text: NotificationText): void => {
    if (!options.enabled()) return;
    if (!Notification.isSupported()) {
      options.onFailed?.(text); // no notification service (a bare Linux session): the window says it
      return;
    }
    const n = new Notification({ title: text.title, body: text.body });
    // Keep a reference until it is gone, or the notification can be collected with its click handler.
    live.add(n);
    n.on('click', () => {
      live.delete(n);
      if (!activationHandled) options.onClick();
    });
    n.on('close', () => live.delete(n));
    n.on('failed', (_event, error) => {
      live.delete(n);
      n.removeAllListeners();
      log.warn({ title: text.title, error }, 'the system did not show a notification; it goes to the window instead');
      options.onFailed?.(text);
    });
    n.show();
    log.info({ title: text.title }, 'notification shown');
  };

  const offState = options.core.on('state', ({ state }) => {
    const text = connectionNotice(prev, state, failureNotified, options.failureAttempt);
    if (state.kind === 'open') failureNotified = false;
    if (text && state.kind === 'reconnecting') failureNotified = true;
    prev = state;
    if (text) show(text);
  });

  const flush = (): void => {
    batchTimer = undefined;
    const text = repliesNotice(batch);
    batch = [];
    if (text) show(text);
  };

  const offReply = options.core.on('reply', (reply) => {
    if (!NOT_SENT.has(reply.status) || notifiedReplies.has(reply.id)) return;
    notifiedReplies.add(reply.id);
    batch.push(reply);
    batchTimer ??= setTimeout(flush, options.batchMs ?? REPLY_BATCH_MS);
  });

  return () => {
    // The callback stays until replaced; replace it with one that does nothing.
    if (activationHandled) Notification.handleActivation(() => undefined);
    offState();
    offReply();
    clearTimeout(batchTimer);
    live.clear();
  };
}
