import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  commandSchemas,
  EVENT_NAMES,
  IPC_COMMAND_PREFIX,
  IPC_EVENT_CHANNEL,
  type CommandArgs,
  type CommandName,
  type CommandResults,
  type Result,
} from '../../main/contract/api.js';
import { COMMAND_NAMES, setupIpc } from '../../main/electron/ipc.js';
import { FakeCore } from './support/fake-core.js';
import { FakeBrowserWindow, FakeFrame, FakeWebContents, ipcMain, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const APP_PAGE = 'replyline://app/index.html';

function setup() {
  const core = new FakeCore();
  const win = new FakeBrowserWindow({});
  win.webContents.mainFrame.url = APP_PAGE;
  const dispose = setupIpc({ core, getWindow: () => win as unknown as Electron.BrowserWindow });
  const fromWindow = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  return { core, win, dispose, fromWindow };
}

/** One well-formed payload per command: a new command in the contract does not compile until it is here. */
const WELL_FORMED: { [C in CommandName]: CommandArgs[C] } = {
  getSnapshot: undefined,
  listReplies: { limit: 10 },
  exportReplies: undefined,
  getHistory: { limit: 10 },
  exportHistory: undefined,
  getSettings: undefined,
  updateSettings: { replyTtlMinutes: 30 },
  getRules: undefined,
  setRules: { rules: [] },
  setAutoReply: { enabled: true },
  pauseAutoReply: { until: null },
  reconnectNow: undefined,
  useHere: undefined,
  relink: undefined,
  requestQr: undefined,
  listMissed: undefined,
  sendMissed: { id: 'missed-1' },
  skipMissed: { id: 'missed-1' },
  listActivity: { limit: 10 },
  exportActivity: undefined,
  tryRules: { text: 'Are you open today?' },
  listChats: undefined,
  listMutedChats: undefined,
  muteChat: { chatId: 'chat-1', minutes: 60 },
  unmuteChat: { chatId: 'chat-1' },
  exportRules: undefined,
  importRules: { json: '[]' },
  dismissStoreReset: { id: 'settings' },
  listSecrets: undefined,
  setSecret: { name: 'openai', value: 'sk-ipc-test-value-1' },
  removeSecret: { name: 'openai' },
  testResponder: { reply: { type: 'webhook', url: 'http://127.0.0.1:1/hook' }, message: 'Hello?' },
  listChatMemory: undefined,
  forgetChat: { id: 'memory-1' },
  forgetAllChats: undefined,
};

/** Whether the contract promises null as a command's result: tsc checks each entry against `CommandResults`. */
const RESULT_IS_NULL: { [C in CommandName]: [CommandResults[C]] extends [null] ? true : false } = {
  getSnapshot: false,
  listReplies: false,
  exportReplies: false,
  getHistory: false,
  exportHistory: false,
  getSettings: false,
  updateSettings: false,
  getRules: false,
  setRules: false,
  setAutoReply: false,
  pauseAutoReply: false,
  reconnectNow: true,
  useHere: true,
  relink: true,
  requestQr: true,
  listMissed: false,
  sendMissed: true,
  skipMissed: true,
  listActivity: false,
  exportActivity: false,
  tryRules: false,
  listChats: false,
  listMutedChats: false,
  muteChat: false,
  unmuteChat: true,
  exportRules: false,
  importRules: false,
  dismissStoreReset: false,
  listSecrets: false,
  setSecret: false,
  removeSecret: true,
  testResponder: false,
  listChatMemory: false,
  forgetChat: true,
  forgetAllChats: true,
};

/** What the commands above act on: a missed message, a muted chat, a reset, a secret, a kept chat. */
function seed(core: FakeCore): void {
  core.missed = [{ id: 'missed-1', at: 1, contactName: 'Ana', contactMasked: '+49 ••• 12', text: 'hi' }];
  core.chats = [{ chatId: 'chat-1', name: 'Ana', masked: '+49 ••• 12', isGroup: false, lastAt: 1 }];
  core.muted = [{ chatId: 'chat-1', name: 'Ana', masked: '+49 ••• 12', isGroup: false, mutedAt: 1, until: null }];
  core.snap.storeResets = [{ id: 'settings', store: 'settings', title: 'Settings were reset', message: 'm', copies: [], at: 1 }];
  core.secretNames.add('openai');
  core.chatMemory = [{ id: 'memory-1', contactName: 'Ana', contactMasked: '+49 ••• 12', turns: 2, lastAt: 1 }];
}

const invoke = (channel: string, from: Parameters<typeof ipcMain.invoke>[1], args?: unknown) =>
  ipcMain.invoke(IPC_COMMAND_PREFIX + channel, from, args) as Promise<Result<unknown>>;

describe('IPC registrar', () => {
  beforeEach(() => resetFakeElectron());

  it('registers one handler per contract command, and removes them on dispose', () => {
    const { dispose } = setup();
    expect(COMMAND_NAMES.sort()).toEqual(Object.keys(commandSchemas).sort());
    expect([...ipcMain.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map((c) => IPC_COMMAND_PREFIX + c).sort());
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('runs a well-formed command from the window on the core and returns its result', async () => {
    const { core, fromWindow } = setup();
    const result = await invoke('setAutoReply', fromWindow, { enabled: true });
    expect(result).toEqual({ ok: true, value: { enabled: true } });
    expect(core.handle).toHaveBeenCalledWith('setAutoReply', { enabled: true });
    expect(await invoke('getSnapshot', fromWindow)).toMatchObject({ ok: true, value: { state: { kind: 'idle' } } });
  });

  it.each(Object.entries(WELL_FORMED))('%s: a well-formed command reaches the core and its answer comes back as is', async (command, args) => {
    const { core, fromWindow } = setup();
    seed(core);
    const result = await invoke(command, fromWindow, args);
    expect(core.handle).toHaveBeenCalledTimes(1);
    expect(result).toEqual(await core.handle.mock.results[0]!.value);
    // The fake answers with the contract's result type: null only where the contract promises null.
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.value === null).toBe(RESULT_IS_NULL[command as CommandName]);
  });

  it.each([
    ['setAutoReply', { enabled: 'yes' }],
    ['setAutoReply', { enabled: true, extra: 1 }],
    ['setAutoReply', undefined],
    ['pauseAutoReply', { until: -5 }],
    ['updateSettings', { replyTtlMinutes: 0 }],
    ['updateSettings', { unknownSetting: true }],
    ['sendMissed', { id: '' }],
    ['listReplies', { search: 'x'.repeat(201) }],
    ['setRules', { rules: 'not an array' }],
    ['getSnapshot', { sneaky: true }],
  ])('rejects a malformed %s payload before it reaches the core', async (command, args) => {
    const { core, fromWindow } = setup();
    const result = await invoke(command, fromWindow, args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe('invalid-payload');
      expect(result.error.details?.length).toBeGreaterThan(0);
    }
    expect(core.handle).not.toHaveBeenCalled();
  });

  describe('refuses foreign senders', () => {
    const cases: Array<[string, (w: FakeBrowserWindow) => { sender: FakeWebContents; senderFrame: FakeFrame | null }]> = [
      ['another webContents', () => ({ sender: new FakeWebContents(), senderFrame: new FakeFrame(APP_PAGE) })],
      ['a remote page in our window', (w) => ({ sender: w.webContents, senderFrame: new FakeFrame('https://evil.example/') })],
      ['a file:// page in our window', (w) => ({ sender: w.webContents, senderFrame: new FakeFrame('file:///tmp/x.html') })],
      ['a look-alike origin', (w) => ({ sender: w.webContents, senderFrame: new FakeFrame('replyline://app.evil/index.html') })],
      ['a subframe of our page', (w) => ({ sender: w.webContents, senderFrame: new FakeFrame(APP_PAGE, w.webContents.mainFrame) })],
      ['a frame that is gone', (w) => ({ sender: w.webContents, senderFrame: null })],
    ];
    it.each(cases)('%s', async (_name, from) => {
      const { core, win } = setup();
      const result = await invoke('setAutoReply', from(win), { enabled: true });
      expect(result).toMatchObject({ ok: false, error: { kind: 'forbidden-sender' } });
      expect(core.handle).not.toHaveBeenCalled();
    });

    it('when the window is gone', async () => {
      const { core, win, fromWindow } = setup();
      win.destroyed = true;
      expect(await invoke('getSnapshot', fromWindow)).toMatchObject({ ok: false, error: { kind: 'forbidden-sender' } });
      expect(core.handle).not.toHaveBeenCalled();
    });
  });

  it('turns a throwing core into an internal error instead of a rejected invoke', async () => {
    const { core, fromWindow } = setup();
    core.handle.mockRejectedValueOnce(new Error('boom'));
    expect(await invoke('getSnapshot', fromWindow)).toMatchObject({ ok: false, error: { kind: 'internal' } });
  });

  it('pushes every core event to the window on the one event channel', () => {
    const { core, win } = setup();
    for (const name of EVENT_NAMES) expect(core.listenerCount(name)).toBe(1);
    core.setState({ kind: 'conflict' });
    expect(win.webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, {
      event: 'state',
      payload: { state: { kind: 'conflict' }, stateText: 'WhatsApp is open elsewhere with this session' },
    });
  });

  it('does not push to a destroyed window, and stops pushing after dispose', () => {
    const { core, win, dispose } = setup();
    win.destroyed = true;
    core.setState({ kind: 'connecting', attempt: 1 });
    expect(win.webContents.send).not.toHaveBeenCalled();
    win.destroyed = false;
    dispose();
    core.setState({ kind: 'conflict' });
    expect(win.webContents.send).not.toHaveBeenCalled();
  });
});
