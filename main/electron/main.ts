/**
 * Electron entry point: a short bootstrap. Before ready: the app's URL scheme, the global
 * sandbox and the single-instance lock. After ready: logging, session security, the app
 * protocol, settings, the keychain-backed key wrapper, the core, then the shell (window, IPC,
 * tray, notifications, power, quit). Glue only: everything else lives in the Electron-free core.
 */
import path from 'node:path';
import { app, dialog, session } from 'electron';
import { getLogger } from '../core/logging/logger.js';
import { registerAppScheme, setupAppProtocol } from './app-protocol.js';
import { setupSessionSecurity } from './content-security.js';
import { startedAtLogin } from './login-item.js';
import { builtLayout, userDataLayout } from './paths.js';
import { createSafeStorageKeyWrapper } from './safe-storage-key-wrapper.js';
import { openSettingsStore } from './settings-store.js';
import { openShellState } from './shell-state.js';
import { startShell, type Shell } from './shell.js';
import { setupSingleInstance } from './single-instance.js';
import { setupLogging, startCore } from './start-core.js';

export const APP_ID = 'app.replyline.desktop';

let shell: Shell | undefined;
let showWhenStarted = false;

// A separate profile (tests, a portable copy): set before the single-instance lock, which is
// taken per user data folder.
if (process.env.REPLYLINE_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.REPLYLINE_USER_DATA_DIR));
registerAppScheme();
app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

const isFirstInstance = setupSingleInstance(() => {
  if (shell) shell.showWindow();
  else showWhenStarted = true;
});
if (isFirstInstance) start().catch(fatal);

async function start(): Promise<void> {
  await app.whenReady();
  const layout = userDataLayout(app.getPath('userData'));
  await setupLogging(layout.logsDir);
  const built = builtLayout(app.getAppPath());

  setupSessionSecurity(session.defaultSession);
  setupAppProtocol(session.defaultSession, built.rendererDir);

  const settings = openSettingsStore({ cwd: layout.settingsDir, name: layout.settingsName });
  const keyWrapper = await createSafeStorageKeyWrapper();
  const core = await startCore({ dataDir: layout.dataDir, keyWrapper, settings });

  shell = startShell({
    core,
    settings,
    preloadFile: built.preloadFile,
    devTools: !app.isPackaged,
    startHidden: startedAtLogin() && !showWhenStarted,
    shellState: openShellState({ cwd: layout.userData }),
  });
  getLogger('main').info({ encryption: keyWrapper.strength, packaged: app.isPackaged }, 'Replyline started');
}

function fatal(err: unknown): void {
  getLogger('main').fatal({ err }, 'Replyline could not start');
  const message = err instanceof Error ? err.message : String(err);
  dialog.showErrorBox('Replyline could not start', message);
  app.exit(1);
}
