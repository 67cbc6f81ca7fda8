/**
 * The bundles the app runs: the preload must be one CommonJS file that only needs what a
 * sandboxed preload can `require`, and main must be an ES module that leaves npm packages to
 * node_modules. The preload bundle is executed here in a bare VM context with a `require` that
 * knows only `electron` (the fake), the way Electron's sandbox loads it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_COMMAND_PREFIX } from '../../main/contract/api.js';
import { buildElectron, type BuildResult } from '../../scripts/build-electron.js';
import { tempDir } from '../support/temp-dir.js';
import * as fakeElectron from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

let out: BuildResult;

describe('electron bundles', () => {
  beforeAll(async () => {
    out = await buildElectron({ outDir: path.join(tempDir('replyline-build-'), 'dist') });
  }, 60_000);

  it('preload: one CommonJS file that runs in a sandbox-like context with only require("electron")', async () => {
    const code = readFileSync(out.preloadFile, 'utf8');
    expect(code).not.toMatch(/^\s*import\s/m);
    const required: string[] = [];
    const sandboxRequire = (id: string): unknown => {
      required.push(id);
      if (id === 'electron') return fakeElectron;
      throw new Error(`module not found: ${id}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
    expect(required).toEqual(['electron']);
    const api = fakeElectron.contextBridge.exposed.get('replyline') as { invoke(c: string, a?: unknown): Promise<unknown> };
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    await api.invoke('getSnapshot');
    expect(fakeElectron.ipcRenderer.invoke).toHaveBeenCalledWith(IPC_COMMAND_PREFIX + 'getSnapshot', undefined);
  });

  it('main: an ES module that imports electron and npm packages, not their code', () => {
    const code = readFileSync(out.mainFile, 'utf8');
    expect(code).toMatch(/from "electron"/);
    expect(code).toMatch(/from "electron-store"/);
    expect(code).not.toMatch(/require\(/);
  });
});
