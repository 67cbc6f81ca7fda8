import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupPower } from '../../main/electron/power.js';
import { FakeCore } from './support/fake-core.js';
import { net, powerMonitor, resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

describe('power and network events', () => {
  beforeEach(() => {
    resetFakeElectron();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('resume and unlock call reconnectNow("resume")', () => {
    const core = new FakeCore();
    setupPower({ core });
    powerMonitor.emit('resume');
    powerMonitor.emit('unlock-screen');
    expect(core.reconnectNow.mock.calls).toEqual([['resume'], ['resume']]);
  });

  it('network back (offline → online) calls reconnectNow("network") once', () => {
    const core = new FakeCore();
    net.online = false;
    setupPower({ core, pollMs: 1000 });
    vi.advanceTimersByTime(3000);
    expect(core.reconnectNow).not.toHaveBeenCalled();
    net.online = true;
    vi.advanceTimersByTime(1000);
    expect(core.reconnectNow).toHaveBeenCalledWith('network');
    vi.advanceTimersByTime(5000);
    expect(core.reconnectNow).toHaveBeenCalledTimes(1);
    net.online = false;
    vi.advanceTimersByTime(1000);
    net.online = true;
    vi.advanceTimersByTime(1000);
    expect(core.reconnectNow).toHaveBeenCalledTimes(2);
  });

  it('does nothing while the network stays up', () => {
    const core = new FakeCore();
    setupPower({ core, pollMs: 1000 });
    vi.advanceTimersByTime(10_000);
    expect(core.reconnectNow).not.toHaveBeenCalled();
  });

  it('stops listening after dispose', () => {
    const core = new FakeCore();
    net.online = false;
    const dispose = setupPower({ core, pollMs: 1000 });
    dispose();
    powerMonitor.emit('resume');
    net.online = true;
    vi.advanceTimersByTime(5000);
    expect(core.reconnectNow).not.toHaveBeenCalled();
  });
});
