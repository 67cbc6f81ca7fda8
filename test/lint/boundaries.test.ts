/**
 * The layer boundaries in eslint.config.js can fail: each rule is run through ESLint's API on a
 * small file placed (by name only) in the layer it guards, once with an import it must refuse
 * and once with one it must allow. If a rule is dropped or its pattern stops matching, a case
 * here fails.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The boundary messages ESLint reports for `code` as if it were the file at `file`. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: file });
  expect(result?.messages.filter((m) => m.fatal), 'the fixture must parse').toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** One layer's rule: each offending import refused with its message, each legitimate one allowed. */
function layer(title: string, file: string, refused: Array<[string, RegExp]>, allowed: string[]): void {
  describe(title, () => {
    it.each(refused)('refuses %s', async (code, message) => {
      const errors = await boundaryErrors(file, code);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });
    it.each(allowed)('allows %s', async (code) => {
      expect(await boundaryErrors(file, code)).toEqual([]);
    });
  });
}

layer(
  'the renderer reaches nothing past the contract',
  'renderer/views/fixture.ts',
  [
    ["import { ConnectionController } from '../../main/core/connection/controller.js';", /only the contract/],
    ["import type { ConnectionState } from '../../main/core/connection/link.js';", /only the contract/],
    ["import { setupIpc } from '../../main/electron/ipc.js';", /only the contract/],
    ["import { startHttpServer } from '../../main/headless/http-server.js';", /only the contract/],
    ["import '../../preload/preload.js';", /only the contract/],
    ["import { ipcRenderer } from 'electron';", /browser sandbox/],
    ["import { readFile } from 'node:fs/promises';", /browser sandbox/],
    ["import { settingsSchema } from '../../main/contract/api.js';", /zod/],
  ],
  [
    "import type { Settings, ConnectionState } from '../../main/contract/api.js';",
    "import { describeState, CLOSE_POLICY } from '../../main/contract/connection.js';",
    "import { SETTINGS_BOUNDS } from '../../main/contract/bounds.js';",
    "import { EVENT_NAMES } from '../../main/contract/channels.js';",
    "import { h } from '../lib/dom.js';",
    "import QRCode from 'qrcode';",
  ],
);

layer(
  'the core imports neither Electron nor a shell',
  'main/core/app/fixture.ts',
  [
    ["import { app } from 'electron';", /Electron-free/],
    ["import Store from 'electron-store';", /Electron-free/],
    ["import { setupIpc } from '../../electron/ipc.js';", /must not import a shell/],
    ["import { startHttpServer } from '../../headless/http-server.js';", /must not import a shell/],
    ["import '../../../renderer/main.js';", /must not import a shell/],
  ],
  [
    "import { commandSchemas } from '../../contract/api.js';",
    "import { ConnectionController } from '../connection/controller.js';",
    "import { TypedEmitter } from '../util/typed-emitter.js';",
    "import path from 'node:path';",
    "import { makeWASocket } from '@whiskeysockets/baileys';",
  ],
);

layer(
  'the contract imports nothing from main/*',
  'main/contract/fixture.ts',
  [
    ["import type { Outbox } from '../core/outbox/outbox.js';", /leaf/],
    ["import { setupIpc } from '../electron/ipc.js';", /leaf/],
    ["import { readFileSync } from 'node:fs';", /browser-safe/],
    ["import { ipcMain } from 'electron';", /browser-safe/],
  ],
  ["import { z } from 'zod';", "import { EVENT_NAMES } from './channels.js';", "import type { CloseCause } from './connection.js';"],
);
