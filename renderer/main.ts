/**
 * The window's entry point: pick the transport (Electron bridge or headless HTTP), read the
 * snapshot, subscribe to the core's events, and mount the screens. Views own their DOM; this
 * file only wires them together.
 */
import type { CommandArgs, CommandName, CommandResults, Result } from '../main/contract/api.js';
import { h } from './lib/dom.js';
import { createNotifier } from './lib/notify.js';
import { createStore, INITIAL_STATE, type AppState } from './lib/store.js';
import { createTabs, type Tabs } from './lib/tabs.js';
import { pickTransport, type RendererApi } from './transport/index.js';
import { createActivity } from './views/activity.js';
import { createAutoReplyControls } from './views/autoreply.js';
import { createBanner } from './views/banner.js';
import { createChats } from './views/chats.js';
import { createConflictPrompt } from './views/conflict.js';
import type { ScreenId, View, ViewContext } from './views/context.js';
import { createHistory } from './views/history.js';
import { createMissed } from './views/missed.js';
import { createNotices } from './views/notices.js';
import { createStoreResets } from './views/store-resets.js';
import { createOverview } from './views/overview.js';
import { createPairing } from './views/pairing.js';
import { createReplies } from './views/replies.js';
import { createRules } from './views/rules.js';
import { createSettings } from './views/settings.js';

const PAIRING_KINDS = new Set(['awaiting-qr', 'qr-expired', 'logged-out']);

/** A stand-in API when no transport exists: every call fails with the same explanation. */
function deadApi(message: string): RendererApi {
  return {
    invoke: async () => ({ ok: false, error: { kind: 'internal', message } }),
    on: () => () => undefined,
  };
}

function start(app: HTMLElement): void {
  const choice = pickTransport();
  const api = choice.ok ? choice.api : deadApi(choice.message);
  const store = createStore<AppState>(INITIAL_STATE);
  const notify = createNotifier();

  const run = async <C extends CommandName>(
    command: C,
    args?: CommandArgs[C],
    quiet = false,
  ): Promise<Result<CommandResults[C]>> => {
    let result: Result<CommandResults[C]>;
    try {
      result = await api.invoke(command, args);
    } catch (error) {
      result = { ok: false, error: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } };
    }
    if (!result.ok && !quiet) notify.error(result.error.message);
    return result;
  };

  // Screens
  // Views may bring a screen forward; the tab bar exists only after the views do.
  const screens: { tabs?: Tabs<ScreenId>; revealReply?: (id: string) => void } = {};
  const ctx: ViewContext = {
    api,
    store,
    notify,
    run,
    showScreen: (id, focus) => screens.tabs?.select(id, focus),
    revealReply: (id) => screens.revealReply?.(id),
  };

  const home: View = {
    element: h('div', { class: 'screen home' }, createPairing(ctx), createOverview(ctx)),
  };
  const replies = createReplies(ctx);
  const views: Record<ScreenId, View> = {
    home,
    replies,
    activity: createActivity(ctx),
    chats: createChats(ctx),
    history: createHistory(ctx),
    missed: createMissed(ctx),
    rules: createRules(ctx),
    settings: createSettings(ctx),
  };
  const missedBadge = h('span', { class: 'badge count-badge', 'data-testid': 'missed-count', hidden: true });
  const mutedBadge = h('span', { class: 'badge count-badge', 'data-testid': 'muted-count', hidden: true });
  const tabs = createTabs<ScreenId>(
    [
      { id: 'home', label: 'Connection', panel: views.home.element },
      { id: 'replies', label: 'Reply log', panel: views.replies.element },
      { id: 'activity', label: 'Activity', panel: views.activity.element },
      { id: 'chats', label: 'Chats', panel: views.chats.element, extra: mutedBadge },
      { id: 'history', label: 'Reconnects', panel: views.history.element },
      { id: 'missed', label: 'Missed', panel: views.missed.element, extra: missedBadge },
      { id: 'rules', label: 'Rules', panel: views.rules.element },
      { id: 'settings', label: 'Settings', panel: views.settings.element },
    ],
    'Screens',
  );
  screens.tabs = tabs;
  screens.revealReply = (id) => {
    tabs.select('replies');
    replies.reveal(id);
  };
  const shown = new Set<ScreenId>();
  tabs.onChange((id) => {
    shown.add(id);
    views[id].onShow?.();
  });

  // 'weak': the desktop app found no keychain; 'none': headless mode, which never has one.
  const noticeHeadline = h('strong');
  const noticeBody = document.createTextNode('');
  const notice = h('p', { class: 'notice', 'data-testid': 'encryption-notice', hidden: true }, noticeHeadline, noticeBody);
  const showEncryptionNotice = (encryption: string | undefined) => {
    if (encryption === 'weak') {
      noticeHeadline.textContent = 'Your system offers no keychain; the session is stored without OS encryption. ';
      noticeBody.textContent =
        'Anyone who can read your user files could use this WhatsApp link. Installing a keyring (for example GNOME Keyring or KWallet) fixes this on the next start.';
    } else {
      noticeHeadline.textContent = 'Headless mode stores the session without encryption. ';
      noticeBody.textContent =
        'Anyone who can read its data folder could use this WhatsApp link: keep that folder private, or start headless mode with --key-file (see the README).';
    }
  };

  app.replaceChildren(
    h(
      'header',
      { class: 'app-header' },
      h('h1', undefined, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Replyline'),
      createAutoReplyControls(ctx),
    ),
    createBanner(ctx),
    createStoreResets(ctx),
    notice,
    createNotices(ctx),
    createConflictPrompt(ctx),
    tabs.bar,
    tabs.panels,
    notify.element,
  );

  store.subscribe((s, prev) => {
    notice.hidden = !(s.ready && (s.encryption === 'weak' || s.encryption === 'none'));
    if (!notice.hidden) showEncryptionNotice(s.encryption);
    if (s.missed !== prev.missed) {
      missedBadge.textContent = String(s.missed.length);
      missedBadge.hidden = s.missed.length === 0;
      missedBadge.setAttribute('aria-label', `${s.missed.length} waiting`);
    }
    if (s.muted !== prev.muted) {
      mutedBadge.textContent = String(s.muted.length);
      mutedBadge.hidden = s.muted.length === 0;
      mutedBadge.setAttribute('aria-label', `${s.muted.length} muted`);
    }
    // A new pairing (QR, expired QR, logged out) brings the Connection screen forward.
    if (s.connection.kind !== prev.connection.kind && PAIRING_KINDS.has(s.connection.kind) && !PAIRING_KINDS.has(prev.connection.kind)) {
      tabs.select('home');
    }
    app.dataset.ready = String(s.ready);
  });

  if (!choice.ok) {
    store.set({ unreachable: choice.message });
    tabs.select('home');
    return;
  }

  // Events first, then the snapshot, so nothing falls between the two.
  api.on('state', ({ state, stateText }) => store.set({ connection: state, stateText }));
  api.on('auto-reply', (autoReply) => store.set({ autoReply }));
  api.on('missed', (missed) => store.set({ missed }));
  api.on('settings', (settings) => store.set({ settings }));
  api.on('store-resets', (storeResets) => store.set({ storeResets }));
  api.on('muted', (muted) => store.set({ muted }));

  const sync = async () => {
    const snap = await run('getSnapshot', undefined, true);
    if (!snap.ok) {
      store.set({ unreachable: snap.error.message });
      return false;
    }
    const { state, stateText, autoReply, encryption, dataDir, version, storeResets } = snap.value;
    store.set({ ready: true, unreachable: undefined, connection: state, stateText, autoReply, encryption, dataDir, version, storeResets });
    const [missed, settings, muted] = await Promise.all([
      run('listMissed', undefined, true),
      run('getSettings', undefined, true),
      run('listMutedChats', undefined, true),
    ]);
    store.set({
      ...(missed.ok ? { missed: missed.value } : {}),
      ...(settings.ok ? { settings: settings.value } : {}),
      ...(muted.ok ? { muted: muted.value } : {}),
    });
    return true;
  };

  api.onLink?.((up) => {
    if (!up) {
      // A more specific reason (a refused token, say) stays.
      if (!store.get().unreachable) store.set({ unreachable: 'Lost contact with Replyline. Trying again…' });
      return;
    }
    void sync().then((ok) => {
      if (!ok) return;
      for (const id of shown) views[id].resync?.();
    });
  });

  tabs.select('home');
  void sync();
}

const app = document.getElementById('app');
if (app) start(app);
