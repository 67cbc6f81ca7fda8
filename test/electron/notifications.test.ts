import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplyView } from '../../main/contract/api.js';
import type { ConnectionState } from '../../main/contract/api.js';
import { setupNotifications } from '../../main/electron/notifications.js';
import { FakeCore } from './support/fake-core.js';
import { FakeNotification, resetFakeElectron, setFakePlatform } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

const open: ConnectionState = { kind: 'open', since: 1, account: { phoneJid: 'x@s.whatsapp.net' } };
const retry = (attempt: number): ConnectionState => ({
  kind: 'reconnecting',
  attempt,
  nextAttemptAt: 0,
  delayMs: 1000,
  cause: 'connection-lost',
});

function reply(id: string, status: ReplyView['status'], lastError?: string): ReplyView {
  return {
    id,
    at: 1,
    contactName: 'Ada',
    contactMasked: '+1 ••• ••• 12 34',
    inboundId: 'in-' + id,
    ruleName: 'Away',
    text: 'secret reply text',
    status,
    statusHistory: [],
    attempts: 1,
    lastError,
  };
}

function setup(enabled = true, platform: NodeJS.Platform = 'linux') {
  setFakePlatform(platform);
  const core = new FakeCore();
  const onClick = vi.fn();
  const onFailed = vi.fn();
  const dispose = setupNotifications({ core, enabled: () => enabled, onClick, onFailed, batchMs: 100, platform });
  const titles = () => FakeNotification.instances.map((n) => n.options.title);
  return { core, onClick, onFailed, dispose, titles };
}

describe('notifications', () => {
  beforeEach(() => resetFakeElectron());
  afterEach(() => vi.useRealTimers());

  it('open elsewhere (440), once per episode; a click opens the window', () => {
    const { core, onClick, titles } = setup();
    core.setState({ kind: 'conflict' });
    core.setState({ kind: 'conflict' });
    expect(titles()).toEqual(['WhatsApp is open elsewhere']);
    expect(FakeNotification.instances[0]!.show).toHaveBeenCalled();
    FakeNotification.instances[0]!.emit('click');
    expect(onClick).toHaveBeenCalled();
  });

  it('logged out, relink needed and forbidden', () => {
    const { core, titles } = setup();
    core.setState({ kind: 'logged-out' });
    core.setState({ kind: 'awaiting-qr', qr: 'q', qrIndex: 0 });
    core.setState({ kind: 'needs-relink', reason: 'The session is unusable' });
    core.setState({ kind: 'forbidden' });
    expect(titles()).toEqual(['Logged out of WhatsApp', 'Link Replyline again', 'WhatsApp refused this account']);
  });

  it('repeated failures: once per outage, when the attempts reach the threshold', () => {
    const { core, titles } = setup();
    for (let a = 1; a <= 8; a++) core.setState(retry(a));
    expect(titles()).toEqual(['Replyline cannot reconnect']);
    core.setState(open);
    for (let a = 1; a <= 5; a++) core.setState(retry(a));
    expect(titles()).toHaveLength(2);
  });

  it('is quiet for ordinary states and when switched off', () => {
    const { core, titles } = setup(false);
    core.setState({ kind: 'conflict' });
    expect(titles()).toEqual([]);
    const on = setup(true);
    on.core.setState({ kind: 'connecting', attempt: 1 });
    on.core.setState(open);
    on.core.setState(retry(1));
    expect(on.titles()).toEqual([]);
  });

  it('replies that did not go out, batched, once per reply, without message text', () => {
    vi.useFakeTimers();
    const { core, titles } = setup();
    core.emit('reply', reply('a', 'failed', 'not on WhatsApp'));
    vi.advanceTimersByTime(100);
    expect(titles()).toEqual(['A reply was not sent']);
    expect(FakeNotification.instances[0]!.options.body).toBe('Reply to Ada failed: not on WhatsApp');
    core.emit('reply', reply('a', 'failed'));
    core.emit('reply', reply('b', 'sent'));
    core.emit('reply', reply('c', 'expired'));
    core.emit('reply', reply('d', 'cancelled'));
    vi.advanceTimersByTime(100);
    expect(titles()).toEqual(['A reply was not sent', '2 replies were not sent']);
    for (const n of FakeNotification.instances) expect(JSON.stringify(n.options)).not.toContain('secret reply text');
  });

  it('macOS, unsigned build: a notification the system refuses is let go and handed to the window', async () => {
    FakeNotification.failure = 'Notifications are not allowed for this application';
    const { core, onFailed } = setup(true, 'darwin');
    core.setState({ kind: 'conflict' });
    const n = FakeNotification.instances[0]!;
    expect(n.show).toHaveBeenCalled();
    await vi.waitFor(() => expect(onFailed).toHaveBeenCalledTimes(1));
    expect(onFailed).toHaveBeenCalledWith({
      title: 'WhatsApp is open elsewhere',
      body: expect.stringContaining('use it here or link again') as string,
    });
    expect(n.listenerCount('click')).toBe(0); // nothing holds on to it
  });

  it('without a notification service, the notice goes to the window; switched off, nowhere', () => {
    FakeNotification.supported = false;
    const { core, onFailed } = setup(true, 'linux');
    core.setState({ kind: 'logged-out' });
    expect(FakeNotification.instances).toEqual([]);
    expect(onFailed).toHaveBeenCalledWith(expect.objectContaining({ title: 'Logged out of WhatsApp' }));
    const off = setup(false, 'linux');
    off.core.setState({ kind: 'logged-out' });
    expect(off.onFailed).not.toHaveBeenCalled();
  });

  it('a notification that shows is not handed to the window', async () => {
    const { core, onFailed } = setup(true, 'darwin');
    core.setState({ kind: 'conflict' });
    await new Promise((r) => setTimeout(r, 0));
    expect(onFailed).not.toHaveBeenCalled();
  });

  describe('Windows', () => {
    it('a click from the Action Center opens the window after the object is gone', () => {
      const { core, onClick } = setup(true, 'win32');
      core.setState({ kind: 'conflict' });
      const n = FakeNotification.instances[0]!;
      n.closeByOs(); // the toast times out into the Action Center
      n.collect();
      n.clickByPerson();
      expect(onClick).toHaveBeenCalledTimes(1);
    });

    it('a click on a live toast opens the window once, not once per listener', () => {
      const { core, onClick } = setup(true, 'win32');
      core.setState({ kind: 'conflict' });
      FakeNotification.instances[0]!.clickByPerson();
      expect(onClick).toHaveBeenCalledTimes(1);
    });

    it('clicks after dispose reach nobody', () => {
      const { core, onClick, dispose } = setup(true, 'win32');
      core.setState({ kind: 'conflict' });
      dispose();
      FakeNotification.instances[0]!.clickByPerson();
      expect(onClick).not.toHaveBeenCalled();
    });

    it('a click that launched the app opens the window once the shell is up', () => {
      setFakePlatform('win32');
      FakeNotification.activate({ type: 'click', arguments: '' });
      const { onClick } = setup(true, 'win32');
      expect(onClick).toHaveBeenCalledTimes(1);
    });
  });

  it('stops after dispose', () => {
    const { core, dispose, titles } = setup();
    dispose();
    core.setState({ kind: 'conflict' });
    expect(titles()).toEqual([]);
  });
});
