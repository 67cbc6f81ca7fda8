import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openShellState } from '../../main/electron/shell-state.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));
vi.mock('electron-store', () => import('./support/electron-store-shim.js'));

describe('shell state', () => {
  beforeEach(() => resetFakeElectron());

  it('remembers across runs that the close-to-tray notice was shown', () => {
    const cwd = tempDir();
    const first = openShellState({ cwd });
    expect(first.closeToTrayNoticeShown()).toBe(false);
    first.markCloseToTrayNoticeShown();
    expect(first.closeToTrayNoticeShown()).toBe(true);
    expect(openShellState({ cwd }).closeToTrayNoticeShown()).toBe(true);
    expect(readdirSync(cwd)).toEqual(['shell-state.json']);
  });

  it('counts an unreadable file as "not shown" and carries on', () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'shell-state.json'), '{ not json');
    const state = openShellState({ cwd });
    expect(state.closeToTrayNoticeShown()).toBe(false);
    state.markCloseToTrayNoticeShown();
    expect(openShellState({ cwd }).closeToTrayNoticeShown()).toBe(true);
  });
});
