/**
 * The composition root of the core: opens every store under the data folder, wires the
 * connection controller, the reply pipeline, the outbox and the logs together, and answers the
 * contract's commands through `command-handlers.ts`. The desktop app and headless mode both start here, so what a person
 * sees in the window is the same in both.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { UserFacingSocketConfig } from '@whiskeysockets/baileys';
import { describeState, isPaused, type ConnectionState, type EventName, type EventPayloads, type ResponderTestView, type Settings, type Snapshot } from '../../contract/api.js';
import type { CoreService } from './core-service.js';
import { createCommandHandlers, dispatchCommand } from './command-handlers.js';
import { dataPaths } from './paths.js';
import { JsonSettingsStore, type SettingsStore } from './settings-store.js';
import { PersistedContactMemory } from './contact-memory.js';
import { StoreResets } from './store-resets.js';
import { ConnectionController, type ControllerOptions } from '../connection/controller.js';
import { acquireSessionLock, type SessionLock } from '../connection/session-lock.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { ReconnectHistory } from '../history/reconnect-history.js';
import { Outbox } from '../outbox/index.js';
import { ReplyLog, toReplyViewInChat, type ReadonlyReplyLogEntry } from '../replylog/index.js';
import { ActivityLog, toActivityView, type ReadonlyActivityEntry } from '../activity/index.js';
import { ChatIds } from '../conversation/chat-ids.js';
import { Conversations } from '../conversation/conversations.js';
import { LidLinks } from '../conversation/lid-links.js';
import { MuteStore } from '../conversation/mute-store.js';
import { OwnerActivity } from '../conversation/owner-activity.js';
import { parseJid } from '../connection/jid.js';
import { attachInbound, DedupeStore, fromAutoReplyEngine, MissedStore, ReplyPipeline, toMissedView } from '../inbound/index.js';
import { OfflineBacklog } from '../inbound/offline-backlog.js';
import { AutoReplyEngine, speakerOf, validateRules, type InboundMessage, type OpenAiReply, type ResponderSample, type Rule, type WebhookReply } from '../autoreply/index.js';
import { redactSecrets } from '../autoreply/responders/http.js';
import { isConfirmed } from '../outbox/types.js';
import { maskPhone } from '../replylog/mask.js';
import { SecretStore, Secrets, type SecretSource } from '../secrets/index.js';
import { ChatMemory, GROUP_CHAT_CONTACT } from '../chat-memory/index.js';
import type { RateLimits } from '../autoreply/limits.js';
import { CipherError, loadOrCreateDataKey, type ByteCipher, type KeyWrapper } from '../storage/cipher.js';
import { quarantineFile, writeFileAtomic } from '../storage/atomic-file.js';
import { CommitLog } from '../storage/commit-log.js';
import { getLogger } from '../logging/logger.js';
import { deferred } from '../util/deferred.js';
import { pipelineSettingsOf, rateLimitsOf } from './live-settings.js';
import { APP_VERSION } from './version.js';

export interface CreateCoreOptions {
  /** The data folder (session, logs, outbox …); see paths.ts for the layout. */
  dataDir: string;
  /** Protects the session and personal data at rest (Electron safeStorage in the app). */
  keyWrapper?: KeyWrapper;
  /** Defaults to `settings.json` in the data folder. */
  settings?: SettingsStore;
  /** Passed to Baileys (tests: the fake server's URL and short timeouts). */
  socketConfig?: Partial<UserFacingSocketConfig>;
  /** Extra controller options (tests: scheduler, clock, backoff). */
  controller?: Partial<Omit<ControllerOptions, 'sessionDir' | 'keyWrapper' | 'history' | 'socketConfig' | 'lock'>>;
  /** Inbound tuning (tests: how long a message that could not be decrypted waits for a readable copy). */
  inbound?: { unreadableWaitMs?: number };
  /** Outbox tuning (tests: short ack timeouts). */
  outbox?: { ackTimeoutMs?: number; maxAttempts?: number; keepFinished?: number };
  /**
   * Fixed auto-reply limits that replace the ones in Settings (benchmarks and load tests measure
   * delivery, not loop protection). Without it the limits come from Settings and follow each change.
   */
  rateLimits?: Partial<RateLimits>;
  /**
   * Secrets from outside the window (headless mode: the environment and a secrets file); asked
   * before the encrypted store the window fills.
   */
  secretSources?: SecretSource[];
  /** Why secrets cannot be entered in the window here, when there is no key to seal them (headless mode). */
  secretsUnavailableNote?: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeZone?: string;
  /** Shown in the window's About line (default: package.json's; the desktop app passes `app.getVersion()`). */
  version?: string;
  /** Connect at once (default true). */
  autoStart?: boolean;
  /**
   * Called as soon as the connection is under way, while the other stores still open: the
   * connection's state then, and the core's events from then on, so a shell can show the QR at
   * once (headless mode). Commands wait until `createCoreService` resolves.
   */
  onConnecting?: (core: StartingCore) => void;
}

/** The core while its stores still open (see `onConnecting`). */
export interface StartingCore {
  /** The connection's state now, as the `state` event carries it. */
  state(): EventPayloads['state'];
  on: CoreService['on'];
}

/** The core service plus handles for tests and benchmarks. */
export interface Core extends CoreService {
  readonly controller: ConnectionController;
  readonly outbox: Outbox;
  readonly replyLog: ReplyLog;
  readonly dedupe: DedupeStore;
  readonly commitLog: CommitLog;
  readonly pipeline: ReplyPipeline;
  readonly activity: ActivityLog;
  readonly history: ReconnectHistory;
  readonly chatMemory: ChatMemory;
  readonly secrets: Secrets;
}

export async function createCoreService(options: CreateCoreOptions): Promise<Core> {
  const log = getLogger('core');
  const now = options.now ?? Date.now;
  const paths = dataPaths(options.dataDir);
  await fs.mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  // The lock first: a second copy on this folder must be refused before it touches any file
  // (opening a record log may cut a torn tail or compact it).
  const lock = await acquireSessionLock(paths.session);
  const undo: Array<() => Promise<void>> = [];
  try {
    return await openCore(options, paths, lock, log, now, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    await lock.release();
    throw err;
  }
}

async function openCore(
  options: CreateCoreOptions,
  paths: ReturnType<typeof dataPaths>,
  lock: SessionLock,
  log: ReturnType<typeof getLogger>,
  now: () => number,
  undo: Array<() => Promise<void>>,
): Promise<Core> {
  const autoStart = options.autoStart ?? true;
  // Independent files open together (the lock is held already): the data key and the history
  // beside the session store, which is what the connection waits for.
  const outboxRef: { current?: Outbox } = {};
  const replyLogRef: { current?: ReplyLog } = {};
  const keyAndHistory = Promise.all([
    options.keyWrapper ? openDataKey(path.join(paths.dataDir, 'data.key'), options.keyWrapper) : undefined,
    ReconnectHistory.open(paths.history),
  ]);
  // Awaited below; until then a failure must not count as unhandled. If the start fails, closed.
  keyAndHistory.catch(() => undefined);
  undo.push(() => keyAndHistory.then(([, history]) => history.close(), () => undefined));
  // The ready barrier: a login (which may bring messages at once) waits until the pipeline listens.
  const listening = deferred<void>();
  const controller = await ConnectionController.create({
    ...options.controller,
    loginAfter: listening.promise,
    sessionDir: paths.session,
    lock,
    keyWrapper: options.keyWrapper,
    // The controller only appends to the history: in order, once it is open.
    history: { add: (entry) => keyAndHistory.then(([, history]) => history.add(entry)) },
    socketConfig: options.socketConfig,
    now: options.controller?.now ?? now,
    // A contact's phone may ask for a resend of a reply it could not decrypt, even long after the
    // outbox let it go (a phone that was offline): the reply log still holds the text.
    getMessage: async (key) => (key.id ? (outboxRef.current?.messageFor(key.id) ?? replyLogRef.current?.messageFor(key.id)) : undefined),
  });
  // Not linked yet: connect now, while the rest opens, so the QR is there sooner. Safe: messages
  // come only after a login, and the controller holds every login back until the pipeline
  // listens (`listening`, released below). A linked session connects only at the end.
  const startedEarly = autoStart && controller.account() === undefined;
  // Replies with a grace period wait at each login until what waited for it is in (the owner's answer may be there).
  const backlog = new OfflineBacklog(controller);
  // If a later step fails, the socket (maybe up already) must not keep running, nor a login wait.
  undo.push(() => controller.close().finally(() => listening.resolve()));
  if (startedEarly) controller.start();
  // Events to the window start here, so that a shell listening from `onConnecting` misses none.
  const events = new TypedEmitter<EventPayloads>();
  const stateEvent = (state: ConnectionState) => ({ state, stateText: describeState(state, now()) });
  const offs: Array<() => void> = [controller.on('state', (state) => events.emit('state', stateEvent(state)))];
  options.onConnecting?.({ state: () => stateEvent(controller.state), on: (event, listener) => events.on(event, listener) });
  const [cipher, history] = await keyAndHistory;
  offs.push(history.onEntry((entry) => events.emit('history', entry)));
  // Read synchronously (and validated): after the connection started, not before.
  const settings = options.settings ?? new JsonSettingsStore(paths.settings);

  const enginePath = path.join(paths.dataDir, 'autoreply-state.json');
  await fs.mkdir(paths.conversation, { recursive: true, mode: 0o700 });
  // One log for the stores a decision writes to (outbox, reply log, dedupe set, missed list,
  // decision records), so a decision's records share one write and one fsync.
  const [commitLog, contacts, engineState, mutes, ownerActivity, lidLinks, chatIds, secretStore] = await Promise.all([
    CommitLog.open(paths.commitLog, {
      cipher,
      legacy: [
        { lane: 'outbox', file: Outbox.file(paths.outbox) },
        { lane: 'replies', file: ReplyLog.file(paths.replyLog) },
        { lane: 'seen', file: DedupeStore.file(paths.inbound) },
        { lane: 'missed', file: MissedStore.file(paths.inbound) },
        { lane: 'activity', file: ActivityLog.file(paths.activity) },
      ],
    }),
    PersistedContactMemory.open(paths.inbound, cipher, now),
    fs.readFile(enginePath, 'utf8').catch(() => undefined),
    MuteStore.open({ dir: paths.conversation, cipher, now }),
    OwnerActivity.open({ dir: paths.conversation, cipher, now }),
    LidLinks.open({ dir: paths.conversation, cipher }),
    ChatIds.open(path.join(paths.conversation, 'chat-id.salt')),
    SecretStore.open(paths.dataDir, cipher, now),
  ]);
  const outbox = await Outbox.open({ dir: paths.outbox, commitLog, link: controller, cipher, now, ownerBacklog: backlog, ...options.outbox });
  outboxRef.current = outbox;
  const replyLog = await ReplyLog.open({ dir: paths.replyLog, commitLog, cipher, now });
  replyLogRef.current = replyLog;
  const dedupe = await DedupeStore.open({ dir: paths.inbound, commitLog, cipher, now });
  const missed = await MissedStore.open({ dir: paths.inbound, commitLog, cipher, now });
  const activity = await ActivityLog.open({ dir: paths.activity, commitLog, cipher, now });
  const conversations = new Conversations({ links: lidLinks, chatIds, mutes, owner: ownerActivity, now });
  const takeoverPauseMs = () => settings.getSettings().takeoverPauseMinutes * 60_000;
  const secrets = new Secrets({
    store: secretStore,
    external: options.secretSources,
    unavailableNote:
      options.secretsUnavailableNote ?? 'Secrets cannot be kept here: there is no key to encrypt them with.',
  });
  const chatMemory = await ChatMemory.open({
    dir: paths.chatMemory,
    cipher,
    now,
    retentionMs: () => settings.getSettings().chatMemoryDays * 24 * 3_600_000,
  });
  // After every store opened: each one that was damaged has set its file aside by now.
  const storeResets = await StoreResets.open({
    dataDir: paths.dataDir,
    extraDirs: settings.file ? [path.dirname(settings.file)] : [],
  });

  const engine = new AutoReplyEngine({
    clock: now,
    random: Math.random,
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    contactMemory: contacts,
    rateLimits: options.rateLimits ?? rateLimitsOf(settings.getSettings()),
  });
  // Cooldowns survive a restart, so a reply loop cannot restart with the app.
  try {
    if (engineState !== undefined) engine.importState(JSON.parse(engineState));
  } catch {
    // unreadable: start with no cooldowns
  }

  let rules: Rule[] = [];
  const loadRules = () => {
    const r = validateRules(settings.getRules());
    rules = r.ok ? r.rules : [];
    if (!r.ok) log.warn({ problems: r.errors.length }, 'stored rules are invalid; auto-reply has no rules');
  };
  loadRules();

  // Chats are remembered only while an AI rule uses earlier messages. In a group each turn keeps
  // who wrote it, since several people speak there.
  // Asked for every message: worked out once per rule set (a change of rules is a new array).
  let rememberingFor: readonly Rule[] | undefined;
  let rememberingNow = false;
  const remembering = () => {
    if (rememberingFor !== rules) {
      rememberingFor = rules;
      rememberingNow = rules.some((r) => r.enabled && r.reply.type === 'openai' && r.reply.contextTurns > 0);
    }
    return rememberingNow;
  };
  const remember = (what: string, write: Promise<void>) =>
    void write.catch((err: unknown) => log.error({ err }, `chat memory: keeping ${what} failed`));
  const observe = {
    message: (msg: InboundMessage) => {
      if (!remembering()) return;
      const phoneJid = msg.senderPhone ? `${msg.senderPhone}@s.whatsapp.net` : msg.senderJid;
      remember(
        'a message',
        chatMemory.record(
          msg.chatJid,
          { role: 'contact', text: msg.text, at: msg.timestamp, ref: msg.id, ...(msg.isGroup ? { from: speakerOf(msg) } : {}) },
          msg.isGroup ? GROUP_CHAT_CONTACT : { name: msg.senderName ?? '', masked: maskPhone(phoneJid) },
        ),
      );
    },
    // The owner's own messages; the replies Replyline sent come back this way too and are kept as replies.
    own: (msg: InboundMessage) => {
      if (!remembering() || outbox.has(msg.id) || replyLog.has(msg.id)) return;
      remember('an own message', chatMemory.recordOwnerMessage({ chatJid: msg.chatJid, id: msg.id, text: msg.text, timestamp: msg.timestamp }));
    },
  };

  const pipeline = new ReplyPipeline({
    engine: fromAutoReplyEngine(
      engine,
      () => ({
        ...settings.getAutoReply(),
        rules,
        takeoverPauseMs: takeoverPauseMs(),
        chatState: (key: string) => conversations.chatState(key),
      }),
      () => ({
        fetch: options.fetch,
        getSecret: secrets.get,
        history: (chatJid, messageId) => chatMemory.turns(chatJid, messageId),
      }),
    ),
    observe,
    outbox,
    replyLog,
    dedupe,
    missed,
    activity,
    conversations,
    account: () => controller.account(),
    commits: commitLog,
    now,
    ...pipelineSettingsOf(settings.getSettings()),
  });
  /** Every setting counts from the next message on: no restart. */
  const applySettings = (s: Settings) => {
    pipeline.configure(pipelineSettingsOf(s));
    if (!options.rateLimits) engine.setRateLimits(rateLimitsOf(s));
  };

  // ---- events to the window (the state's and the history's are above) -------------------------
  // Views are built only while someone listens (`emitIfHeard`): each reply changes about five
  // times, and most of the time no window is open (headless, say, with no browser connected).
  const replyChatId = (e: ReadonlyReplyLogEntry) => {
    const contact = parseJid(e.contactJid);
    return conversations.idOf(e.chatKey ?? conversations.chatKey(e.chatJid, contact?.server === 's.whatsapp.net' ? contact.user : undefined));
  };
  const activityView = (e: ReadonlyActivityEntry) =>
    toActivityView(e, { chatId: conversations.idOf(e.chatKey), ...(e.replyId ? { replyStatus: replyLog.statusOf(e.replyId) } : {}) });
  offs.push(
    // (The pipeline mirrors each outbox change into the reply log.)
    outbox.on('change', ({ entry, previous }) => {
      // A reply the server confirmed is part of the conversation from now on.
      if (isConfirmed(entry.state) && !(previous && isConfirmed(previous)) && remembering()) {
        remember('a reply', chatMemory.record(entry.chatJid, { role: 'reply', text: entry.text, at: entry.sentAt ?? now(), ref: entry.id }));
      }
    }),
    replyLog.on('change', (entry) => {
      events.emitIfHeard('reply', () => toReplyViewInChat(entry, replyChatId(entry)));
      // The decision record shows its reply's status: it changed too.
      if (events.listenerCount('activity') === 0) return;
      const record = activity.findForReply(entry);
      if (record) events.emit('activity', activityView(record));
    }),
    activity.on('change', (entry) => events.emitIfHeard('activity', () => activityView(entry))),
    conversations.onMutesChanged((views) => events.emit('muted', views)),
    missed.on('change', (entries) => events.emitIfHeard('missed', () => entries.map(toMissedView))),
    // The session store sets a damaged session aside when it opens it (a relink, say).
    controller.on('state', (state) => {
      if (state.kind !== 'needs-relink' && state.kind !== 'awaiting-qr') return;
      void storeResets.rescan().then((changed) => changed && events.emit('store-resets', storeResets.list()));
    }),
    attachInbound(controller, pipeline, now, { unreadableWaitMs: options.inbound?.unreadableWaitMs }),
  );
  await pipeline.start();
  listening.resolve();

  // ---- commands -----------------------------------------------------------------------------
  const autoReply = () => {
    const a = settings.getAutoReply();
    // An elapsed pause is over: show it as such.
    return a.pausedUntil !== undefined && !isPaused(a, now()) ? { enabled: a.enabled } : a;
  };

  const snapshot = (): Snapshot => ({
    state: controller.state,
    stateText: describeState(controller.state, now()),
    autoReply: autoReply(),
    encryption: controller.session?.encryption ?? (options.keyWrapper?.strength ?? 'none'),
    dataDir: paths.dataDir,
    version: options.version ?? APP_VERSION,
    storeResets: storeResets.list(),
  });

  const handlers = createCommandHandlers({
    settings,
    controller,
    replyLog,
    history,
    missed,
    pipeline,
    storeResets,
    activity,
    conversations,
    tryRules: { engine, takeoverPauseMs },
    events,
    snapshot,
    rulesChanged: (next) => {
      rules = next;
    },
    settingsChanged: applySettings,
    rules: () => rules,
    secrets,
    chatMemory,
    testResponder: (reply, sample) => testResponder(reply, sample),
    now,
  });

  const tests = new AbortController();
  const testResponder = async (reply: WebhookReply | OpenAiReply, sample: ResponderSample): Promise<ResponderTestView> => {
    const started = performance.now();
    const r = await engine.testResponder(reply, sample, {
      fetch: options.fetch,
      getSecret: secrets.get,
      signal: tests.signal,
      testId: `test-${randomBytes(8).toString('hex')}`,
    });
    const ms = Math.round(performance.now() - started);
    // The text goes back to the window: no secret in it, whatever the server echoed.
    const clean = (text: string) => redactSecrets(text, secrets.values());
    if (!r.ok) return { outcome: 'no-reply', error: clean(r.error.message), ms };
    if (r.source === 'fallback') return { outcome: 'fallback', text: clean(r.text), error: clean(r.fallbackReason?.message ?? ''), ms };
    return { outcome: 'reply', text: clean(r.text), ms };
  };

  if (autoStart && !startedEarly) controller.start();

  let closing: Promise<void> | undefined;
  return {
    controller,
    outbox,
    replyLog,
    dedupe,
    commitLog,
    pipeline,
    history,
    activity,
    chatMemory,
    secrets,
    handle: (command, args) => dispatchCommand(handlers, command, args),
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      return events.on(event, listener);
    },
    snapshot,
    reconnectNow: (trigger) => controller.reconnectNow(trigger),
    close() {
      return (closing ??= (async () => {
        for (const off of offs) off();
        tests.abort();
        pipeline.stop();
        backlog.close();
        await controller.close();
        await writeFileAtomic(enginePath, JSON.stringify(engine.exportState())).catch(() => undefined);
        await Promise.all([
          outbox.close(),
          replyLog.close(),
          dedupe.close(),
          missed.close(),
          contacts.close(),
          history.close(),
          activity.close(),
          mutes.close(),
          ownerActivity.close(),
          lidLinks.close(),
          chatMemory.close(),
          secretStore.flush(),
        ]);
        await commitLog.close();
        if (settings instanceof JsonSettingsStore) await settings.flush();
      })());
    },
  };
}

/**
 * The data key of the personal stores. One the key wrapper cannot open (damaged, or another
 * keychain) is set aside and replaced: the stores it sealed then set themselves aside when they
 * open, instead of the app failing to start on every launch.
 */
async function openDataKey(file: string, wrapper: KeyWrapper): Promise<ByteCipher> {
  try {
    return await loadOrCreateDataKey(file, wrapper);
  } catch (err) {
    if (!(err instanceof CipherError)) throw err;
    const aside = await quarantineFile(file);
    getLogger('core').warn({ file: path.basename(aside) }, 'the data key could not be unlocked; set aside, starting with a new one');
    return loadOrCreateDataKey(file, wrapper);
  }
}
